// The values the CLI writes for a released chart must be exactly keys that released version reads.
// The reference is the original itself: the 18 published values files and contract.json in
// ../shared/original-chart (not our chart, which reads both eras and would hide a wrong key).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { InputError } from '../../src/errors.js';
import { storedPasswordKeys } from '../../src/install/database-secret.js';
import { buildPlan, type InstallAnswers } from '../../src/plan/install-plan.js';
import { renderValues, type Values } from '../../src/values/render-values.js';
import { translateValues } from '../../src/values/translate-era.js';
import { compareVersions, passwordSecretKeys, valuesEraFor } from '../../src/values/values-era.js';

const shared = resolve(import.meta.dirname, '../../../shared/original-chart');
const published = Object.fromEntries(
  readdirSync(join(shared, 'values'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => [f.replace(/\.yaml$/, ''), parse(readFileSync(join(shared, 'values', f), 'utf8'))]),
) as Record<string, Values>;
const versions = Object.keys(published);
// biome-ignore lint/suspicious/noExplicitAny: contract.json is data read by deep paths.
const contract = JSON.parse(readFileSync(join(shared, 'contract.json'), 'utf8')) as any;

const isObject = (v: unknown): v is Values =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
/** Maps whose keys are the user's names (init script files), read whole by the templates. */
const wholeMaps = new Set(['postgresql.initdbScripts', 'postgresql.primary.initdb.scripts']);
/** Leaf paths of a values object; a list is one leaf (helm replaces lists whole). */
function leaves(values: Values, prefix = ''): string[] {
  return Object.entries(values).flatMap(([k, v]) =>
    isObject(v) && Object.keys(v).length > 0 && !wholeMaps.has(`${prefix}${k}`)
      ? leaves(v, `${prefix}${k}.`)
      : [`${prefix}${k}`],
  );
}
function at(values: unknown, path: string): unknown {
  let node = values;
  for (const key of path.split('.')) node = isObject(node) ? node[key] : undefined;
  return node;
}
function has(values: unknown, path: string): boolean {
  const keys = path.split('.');
  let node = values;
  for (const key of keys) {
    if (!isObject(node) || !(key in node)) return false;
    node = node[key];
  }
  return true;
}
const seedEra = (v: string) => compareVersions(v.replace(/^(\d\d)\./, '20$1.'), '2022.09.07') < 0;
/** Versions whose values.yaml has no apollo.ingress had no Ingress templates (2021.03.10, .20). */
const hasIngress = (v: string) => has(published[v], 'apollo.ingress');

/**
 * Keys the templates of a version read that its values.yaml does not list (read from the
 * released packages' templates; values.yaml only shows what has a default).
 */
function readButNotListed(version: string): string[] {
  return [
    ...(seedEra(version)
      ? [
          // Bitnami postgresql 9.3.4 (the subchart up to 2022.04.14): commented out in values.yaml.
          'postgresql.persistence.storageClass',
          'postgresql.postgresqlPassword',
          'postgresql.postgresqlPostgresPassword',
          'postgresql.service.type',
        ]
      : [
          // _helpers.tpl `prefect-server.postgres-secret-name`: the top-level key, not auth.*.
          'postgresql.existingSecret',
          // Bitnami postgresql 11.x: primary.persistence.storageClass.
          'postgresql.primary.persistence.storageClass',
        ]),
    // apollo/ui ingress.yaml: `if .Values.<c>.ingress.ingressClassName` (from 2021.04.06 on).
    ...(hasIngress(version)
      ? ['apollo.ingress.ingressClassName', 'ui.ingress.ingressClassName']
      : []),
  ];
}
const reads = (version: string, path: string) =>
  has(published[version], path) || readButNotListed(version).includes(path);

const released = (version: string): InstallAnswers => ({
  chartSource: 'repo',
  chartVersion: version,
});
const plans: [string, InstallAnswers][] = [
  ['bundled database, no volume', {}],
  [
    'bundled database with a volume',
    { dbPersistence: true, dbSize: '20Gi', dbStorageClass: 'fast' },
  ],
  [
    'external database, existing Secret',
    { database: 'external', dbHost: 'db.example.com', dbPort: 5433, dbExistingSecret: 'my-pg' },
  ],
  [
    'external database, typed password',
    { database: 'external', dbHost: 'db.example.com', dbName: 'pf', dbUser: 'pfu' },
  ],
  [
    'agent with labels and job resources',
    { agent: true, agentLabels: ['k8s'], jobCpuRequest: '500m', jobMemoryLimit: '2Gi' },
  ],
  [
    'ingress with class and TLS',
    {
      expose: 'ingress',
      apiHost: 'api.example.com',
      uiHost: 'ui.example.com',
      ingressClass: 'nginx',
      tlsSecret: 'tls',
    },
  ],
  ['load balancer', { expose: 'loadbalancer', apiUrl: 'http://lb.example.com:4200/graphql' }],
  ['tenant', { tenant: true, tenantName: 'acme', tenantSlug: 'acme' }],
  [
    'image tags and pull Secrets',
    {
      serverTag: '2022.04.14',
      prefectTag: '1.2.0',
      uiTag: '2022-02-17',
      imagePullSecrets: ['reg'],
    },
  ],
];

function valuesFor(version: string, answers: InstallAnswers): Values {
  const withPassword =
    answers.database === 'external' && answers.dbExistingSecret === undefined
      ? { ...answers, dbPassword: { reveal: () => 'x' } as never }
      : answers;
  return renderValues(buildPlan({ ...released(version), ...withPassword }));
}

describe('values for each published chart version are keys that version reads', () => {
  it('has all 18 published versions', () => expect(versions).toHaveLength(18));

  describe.each(versions)('%s', (version) => {
    it.each(plans)('%s', (_name, answers) => {
      if (answers.expose === 'ingress' && !hasIngress(version)) {
        // The version cannot do it: refused as bad input, naming the version and the rule.
        expect(() => valuesFor(version, answers)).toThrow(InputError);
        expect(() => valuesFor(version, answers)).toThrow(
          new RegExp(`chart ${version.replaceAll('.', '\\.')} has no Ingress`),
        );
        return;
      }
      const values = valuesFor(version, answers);
      const unread = leaves(values).filter((path) => !reads(version, path));
      expect(unread).toEqual([]);
    });
  });
});

/** The section of values a contract case sets, merged over the version's published defaults. */
function effective(version: string, values: Values, section: string): unknown {
  const merge = (base: unknown, over: unknown): unknown =>
    isObject(base) && isObject(over)
      ? Object.fromEntries(
          [...new Set([...Object.keys(base), ...Object.keys(over)])].map((k) => [
            k,
            k in over ? merge(base[k], over[k]) : base[k],
          ]),
        )
      : over === undefined
        ? base
        : over;
  return merge(at(published[version], section), at(values, section));
}

describe('the CLI writes what contract.json rendered for the same plan', () => {
  // Same effective values in the sections a case sets -> the original renders the same objects.
  it.each<[string, string, InstallAnswers, string[]]>([
    [
      'extdb-0923-existingSecret',
      '2022.09.23',
      { database: 'external', dbHost: 'db.example.com', dbExistingSecret: 'my-pg' },
      ['postgresql'],
    ],
    [
      'extdb-seed',
      '2022.01.25',
      { database: 'external', dbHost: 'db.example.com', dbExistingSecret: 'my-pg' },
      ['postgresql'],
    ],
    ['agent', '2022.04.14', { agent: true }, ['agent']],
    ['agent', '2022.09.23', { agent: true }, ['agent']],
    ['tenant', '2021.04.27', { tenant: true, tenantName: 'acme', tenantSlug: 'acme' }, ['jobs']],
    ['tenant', '2022.09.23', { tenant: true, tenantName: 'acme', tenantSlug: 'acme' }, ['jobs']],
    [
      'tags',
      '2022.01.25',
      { serverTag: '2022.04.14', prefectTag: '1.2.0', uiTag: '2022-02-17' },
      ['serverVersionTag', 'prefectVersionTag', 'uiVersionTag'],
    ],
  ])('%s on %s', (caseName, version, answers, sections) => {
    const theCase = contract.cases[caseName];
    expect(theCase.renders[version]).toBeDefined();
    const caseValues = parse(theCase.values_yaml) as Values;
    const cli = valuesFor(version, answers);
    for (const section of sections)
      expect(effective(version, cli, section)).toEqual(effective(version, caseValues, section));
  });

  it.each([
    ['extdb-0923-existingSecret', '2022.09.23'],
    ['extdb-seed', '2022.01.25'],
  ])(
    '%s on %s: the Secret key the pods read is the one the CLI checks and stores',
    (c, version) => {
      const render = contract.cases[c].renders[version];
      const refs = new Set<string>();
      for (const component of Object.values(render.components) as { containers: unknown[] }[])
        for (const container of component.containers as {
          env?: { valueFrom?: { secretKeyRef?: string } }[];
        }[])
          for (const e of container.env ?? [])
            if (e.valueFrom?.secretKeyRef) refs.add(e.valueFrom.secretKeyRef);
      expect([...refs]).toHaveLength(1);
      const [name, key] = String([...refs][0]).split('/');
      expect(name).toBe('my-pg');
      const chart = buildPlan(released(version)).chart;
      expect(passwordSecretKeys(valuesEraFor(chart))).toEqual([key]);
      expect(storedPasswordKeys).toContain(key);
    },
  );

  it("the bundled database's own Secret: each era's key as contract.json's dbSecret lists it", () => {
    for (const [version, render] of Object.entries(contract.cases.default.renders) as [
      string,
      { dbSecret: { keys: string[] } },
    ][]) {
      const keys = passwordSecretKeys(valuesEraFor(buildPlan(released(version)).chart));
      expect(render.dbSecret.keys).toEqual(expect.arrayContaining(keys));
    }
  });
});

describe('translation between eras lands on keys the target version reads', () => {
  const postgresqlOnly = (values: Values) => ({ postgresql: values.postgresql as Values });

  it.each(versions.filter(seedEra))('%s values.yaml -> 2022.09.23', (version) => {
    const { values, moved } = translateValues(
      postgresqlOnly(published[version] as Values),
      '2022.09',
    );
    expect(moved.length).toBeGreaterThan(0);
    expect(leaves(values).filter((p) => !reads('2022.09.23', p))).toEqual([]);
  });

  it.each(['2022.09.07', '2022.09.23'])('%s values.yaml -> 2022.04.14', (version) => {
    const { values } = translateValues(postgresqlOnly(published[version] as Values), 'seed');
    expect(leaves(values).filter((p) => !reads('2022.04.14', p))).toEqual([]);
  });

  it('the CLI values of every plan for 2022.04.14, moved to 2022.09.23, and back', () => {
    for (const [, answers] of plans) {
      const seed = valuesFor('2022.04.14', answers);
      const forward = translateValues(seed, '2022.09').values;
      expect(leaves(forward).filter((p) => !reads('2022.09.23', p))).toEqual([]);
      // What the CLI writes for 2022.09.23 itself, apart from the sections a move keeps as set.
      expect(forward.postgresql).toEqual(valuesFor('2022.09.23', answers).postgresql);
      expect(translateValues(forward, 'seed').values.postgresql).toEqual(seed.postgresql);
    }
  });

  it('an external Secret written under auth.existingSecret (ignored by every release) moves to the key they read', () => {
    const { values, moved } = translateValues(
      { postgresql: { useSubChart: false, externalHostname: 'db', auth: { existingSecret: 's' } } },
      '2022.09',
    );
    expect(values.postgresql).toEqual({
      useSubChart: false,
      externalHostname: 'db',
      existingSecret: 's',
    });
    expect(moved).toEqual(['postgresql.auth.existingSecret -> postgresql.existingSecret']);
  });
});
