// values.schema.json: every value is described, and bad values are refused with the key named.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import {
  chartDir,
  chartValues,
  type K8sObject,
  template,
  templateError,
  type Values,
} from './render.js';

const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as K8sObject;

function resolveRef(node: K8sObject | undefined): K8sObject | undefined {
  const ref = node?.$ref as string | undefined;
  if (!ref) return node;
  return ref
    .slice(2)
    .split('/')
    .reduce<K8sObject | undefined>((at, part) => at?.[part], schema);
}

/** Paths of values.yaml that the schema does not describe. */
function undescribed(value: unknown, node: K8sObject | undefined, path: string): string[] {
  const resolved = resolveRef(node);
  if (!resolved) return [path];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  if (!resolved.properties) return []; // a free-form object (securityContext, affinity, ...)
  return Object.entries(value).flatMap(([key, child]) =>
    undescribed(child, resolved.properties[key], path ? `${path}.${key}` : key),
  );
}

/** A bad value, and the key path (as helm prints it) the refusal must name. */
const BAD_VALUES: { values: Values; names: string }[] = [
  { values: { apollo: { service: { type: 'Foo' } } }, names: "'/apollo/service/type'" },
  { values: { agent: { enabled: 'yes' } }, names: "'/agent/enabled'" },
  { values: { agnet: { enabled: true } }, names: "'agnet'" },
  { values: { includeChartNameInComponents: 1 }, names: "'/includeChartNameInComponents'" },
  { values: { hasura: { replicas: -1 } }, names: "'/hasura/replicas'" },
  { values: { towel: { replicas: 'two' } }, names: "'/towel/replicas'" },
  { values: { ui: { service: { port: 70000 } } }, names: "'/ui/service/port'" },
  {
    values: { graphql: { image: { pullPolicy: 'Sometimes' } } },
    names: "'/graphql/image/pullPolicy'",
  },
  { values: { graphql: { init: { enabled: 'no' } } }, names: "'/graphql/init/enabled'" },
  {
    values: { postgresql: { persistence: { enabled: 'true' } } },
    names: "'/postgresql/persistence/enabled'",
  },
  {
    values: { postgresql: { primary: { persistence: { size: true } } } },
    names: "'/postgresql/primary/persistence/size'",
  },
  { values: { postgresql: { auth: { usrname: 'x' } } }, names: "'usrname'" },
  { values: { postgresql: { servicePort: 'abc' } }, names: "'/postgresql/servicePort'" },
  { values: { postgresql: { useSubChart: 'false' } }, names: "'/postgresql/useSubChart'" },
  {
    values: { jobs: { createTenant: { tenant: { slug: 'My Tenant' } } } },
    names: "'/jobs/createTenant/tenant/slug'",
  },
  {
    values: { jobs: { createTenant: { backoffLimit: '10' } } },
    names: "'/jobs/createTenant/backoffLimit'",
  },
  {
    values: { apollo: { ingress: { hosts: 'api.example.com' } } },
    names: "'/apollo/ingress/hosts'",
  },
  {
    values: { ui: { ingress: { tls: [{ secretName: 'x', host: ['a'] }] } } },
    names: "'/ui/ingress/tls/0'",
  },
  { values: { ui: { ingress: { pathType: 'Regex' } } }, names: "'/ui/ingress/pathType'" },
  { values: { ui: { apolloApiUrl: 'localhost:4200/graphql' } }, names: "'/ui/apolloApiUrl'" },
  { values: { agent: { prefectLabels: 'prod' } }, names: "'/agent/prefectLabels'" },
  {
    values: { agent: { job: { imagePullPolicy: 'Sometimes' } } },
    names: "'/agent/job/imagePullPolicy'",
  },
  {
    values: { annotations: { 'example.com/port': 8080 } },
    names: "'/annotations/example.com~1port'",
  },
  { values: { imagePullSecrets: [{ nme: 'regcred' }] }, names: "'/imagePullSecrets/0'" },
  { values: { towel: { resources: { request: { cpu: '1' } } } }, names: "'request'" },
  { values: { serviceAccount: { create: 'false' } }, names: "'/serviceAccount/create'" },
  { values: { prefectConfig: { logging: { 'bad-key': 'x' } } }, names: "'bad-key'" },
  {
    values: { apollo: { options: { telemetryEnabled: 'false' } } },
    names: "'/apollo/options/telemetryEnabled'",
  },
];

describe('values.schema.json', () => {
  it('describes every value of values.yaml', async () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(undescribed(await chartValues(), schema, '')).toEqual([]);
  });

  it('closes every object it defines, except the top-level global', () => {
    const open: string[] = [];
    const walk = (node: K8sObject | undefined, path: string) => {
      if (!node || typeof node !== 'object') return;
      if (node.properties) {
        if (node.additionalProperties !== false) open.push(path);
        for (const [key, child] of Object.entries(node.properties))
          walk(child as K8sObject, `${path}.${key}`);
      }
      for (const key of ['items', 'additionalProperties']) walk(node[key], `${path}[${key}]`);
      for (const option of node.anyOf ?? []) walk(option, `${path}[anyOf]`);
    };
    walk(schema, '');
    // Environment entries are Kubernetes EnvVars (value, valueFrom): only their name is checked.
    // The Bitnami subchart's metrics and volumePermissions blocks are taken whole, so a values
    // file of the original chart is not refused for their many keys: the template refuses
    // `metrics.enabled: true` with the replacement named, and volumePermissions has no effect.
    const bitnamiBlocks = ['.postgresql.metrics', '.postgresql.volumePermissions'];
    expect(
      open.filter(
        (path) => !/env(\[anyOf\])?\[items\]$/.test(path) && !bitnamiBlocks.includes(path),
      ),
    ).toEqual([]);
    expect(open.length).toBeGreaterThan(0);
    expect(schema.properties.global).toEqual({ type: 'object' });
  });
});

describe.each(helms())('values refused by $label', (helm) => {
  it.concurrent.each(BAD_VALUES)('refuses $values naming $names', async ({ values, names }) => {
    const error = await templateError(helm, values);
    expect(error).toContain("values don't meet the specifications of the schema");
    expect(error).toContain(names);
  });

  it('accepts ports and quantities written as strings or numbers', async () => {
    const rendered = await template(helm, {
      postgresql: { servicePort: '6543', primary: { persistence: { enabled: true, size: 10 } } },
      agent: { enabled: true, job: { resources: { limits: { cpu: 1.5, memory: '1Gi' } } } },
    });
    expect(rendered.get('Service', 'rel-postgresql').spec.ports[0].port).toBe(6543);
  });

  it('refuses an external database without a host, naming the key', async () => {
    const error = await templateError(helm, {
      postgresql: { useSubChart: false, existingSecret: 'db' },
    });
    expect(error).toContain('postgresql.externalHostname is required');
  });

  it('refuses an external database without a password, naming both Secret keys', async () => {
    const error = await templateError(helm, {
      postgresql: { useSubChart: false, externalHostname: 'db.example.com' },
    });
    expect(error).toContain(
      'set postgresql.existingSecret (a Secret holding it under postgres-password or postgresql-password)',
    );
    expect(error).toContain('postgresql.auth.password / postgresql.postgresqlPassword');
  });

  it('makes the password Secret for an external database given a password value', async () => {
    const rendered = await template(helm, {
      postgresql: {
        useSubChart: false,
        externalHostname: 'db.example.com',
        auth: { password: 'x-Pa55' },
      },
    });
    expect(rendered.names('Secret')).toEqual(['rel-postgresql']);
    expect(rendered.all('StatefulSet')).toEqual([]);
  });
});
