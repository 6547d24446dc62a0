// The list of kinds the chart creates (src/checks/chart-kinds.ts), which install's preflight and
// doctor ask `can-i create` about, covers every object the chart renders: for install plans of
// the main answer combinations (values from the CLI's own renderValues), and for the value sets
// the other chart tests use, rendered by real helm over chart/.
import { describe, expect, it } from 'vitest';
import {
  allFeatures,
  type ChartFeatures,
  chartKinds,
  featuresOfPlan,
  kindsForFeatures,
} from '../../src/checks/chart-kinds.js';
import { buildPlan, type InstallAnswers } from '../../src/plan/install-plan.js';
import { renderValues } from '../../src/values/render-values.js';
import { helms } from '../support/tools.js';
import { type K8sObject, template, type Values } from './render.js';
import { type SetName, VALUE_SETS } from './value-sets.js';

/** What an install creates: `helm test` pods are hooks `helm test` makes, not the install. */
const installed = (objects: K8sObject[]) =>
  objects.filter((o) => o.metadata?.annotations?.['helm.sh/hook'] !== 'test');

function uncovered(objects: K8sObject[], features: ChartFeatures): string[] {
  const asked = kindsForFeatures(features);
  return installed(objects)
    .map((o) => {
      const resource = chartKinds.find((k) => k.kind === o.kind)?.resource;
      return resource && asked.includes(resource) ? undefined : `${o.kind}/${o.metadata.name}`;
    })
    .filter((x): x is string => x !== undefined);
}

const plans: Record<string, InstallAnswers> = {
  defaults: {},
  'no tenant': { tenant: false },
  'bundled database with a volume': { dbPersistence: true, dbStorageClass: 'fast' },
  'external database': { database: 'external', dbHost: 'pg.internal', dbExistingSecret: 'pg' },
  agent: { agent: true },
  'log retention': { logRetentionDays: '30' },
  ingress: { expose: 'ingress', apiHost: 'api.x.io', uiHost: 'ui.x.io', ingressClass: 'nginx' },
  loadbalancer: { expose: 'loadbalancer', apiUrl: 'http://lb.example.com:4200/graphql' },
  everything: {
    agent: true,
    logRetentionDays: '30',
    dbPersistence: true,
    expose: 'ingress',
    apiHost: 'api.x.io',
    uiHost: 'ui.x.io',
  },
};

const [helm] = helms();

describe.runIf(helm)('the kinds the permission checks ask about', () => {
  const h = helm as NonNullable<typeof helm>;

  it.concurrent.each(Object.keys(plans))(
    'plan "%s": every rendered kind is asked about',
    async (name) => {
      const plan = buildPlan(plans[name] as InstallAnswers);
      const rendered = await template(h, renderValues(plan) as Values);
      expect(installed(rendered.objects).length).toBeGreaterThan(0);
      expect(uncovered(rendered.objects, featuresOfPlan(plan))).toEqual([]);
    },
  );

  it.concurrent.each(Object.keys(VALUE_SETS) as SetName[])(
    'value set %s: every rendered kind is in the list',
    async (name) => {
      const rendered = await template(h, VALUE_SETS[name]);
      expect(uncovered(rendered.objects, allFeatures)).toEqual([]);
    },
  );

  it('a feature turned on renders the kinds it brings (the list asks for nothing the chart never makes)', async () => {
    const everything = buildPlan(plans.everything as InstallAnswers);
    const rendered = await template(h, renderValues(everything) as Values);
    const kinds = new Set(installed(rendered.objects).map((o) => o.kind));
    const tenant = await template(h, renderValues(buildPlan({})) as Values);
    for (const o of installed(tenant.objects)) kinds.add(o.kind);
    expect(chartKinds.map((k) => k.kind).filter((k) => !kinds.has(k))).toEqual([]);
  });
});
