import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { buildPlan, type InstallAnswers } from '../../src/plan/install-plan.js';
import { SecretValue } from '../../src/plan/secret-value.js';
import { renderValues, valuesToYaml } from '../../src/values/render-values.js';
import { compareVersions, passwordSecretKey, valuesEraFor } from '../../src/values/values-era.js';

// biome-ignore lint/suspicious/noExplicitAny: the assertions below check the shape
const values = (answers: InstallAnswers) => renderValues(buildPlan(answers)) as Record<string, any>;

describe('buildPlan defaults', () => {
  it('gives a working plan with no answers at all', () => {
    const plan = buildPlan({});
    expect(plan).toMatchObject({
      namespace: 'prefect',
      release: 'prefect-server',
      chart: { source: 'bundled' },
      database: { mode: 'bundled', persistence: { enabled: false } },
      agent: { enabled: false },
      exposure: { mode: 'port-forward' },
      apiUrl: 'http://localhost:4200/graphql',
      tenant: { create: true, name: 'default', slug: 'default' },
    });
  });
});

describe('plan -> values, every branch', () => {
  it('bundled database without and with persistence', () => {
    expect(values({}).postgresql).toEqual({
      useSubChart: true,
      primary: { persistence: { enabled: false } },
    });
    expect(values({ dbPersistence: true, dbStorageClass: 'fast' }).postgresql).toEqual({
      useSubChart: true,
      primary: { persistence: { enabled: true, size: '8Gi', storageClass: 'fast' } },
    });
  });

  it('external database with an existing Secret, in both eras of keys', () => {
    const answers: InstallAnswers = {
      database: 'external',
      dbHost: 'pg.internal',
      dbPort: 6432,
      dbExistingSecret: 'pg-pass',
    };
    // Every chart reads the Secret's name from the top-level key (the releases ignore auth.*).
    expect(values(answers).postgresql).toEqual({
      useSubChart: false,
      externalHostname: 'pg.internal',
      existingSecret: 'pg-pass',
      auth: { username: 'prefect', database: 'prefect' },
      primary: { service: { ports: { postgresql: 6432 } } },
    });
    const seed = values({ ...answers, chartSource: 'repo', chartVersion: '2022.04.14' });
    expect(seed.postgresql).toEqual({
      useSubChart: false,
      externalHostname: 'pg.internal',
      postgresqlUsername: 'prefect',
      postgresqlDatabase: 'prefect',
      existingSecret: 'pg-pass',
      servicePort: 6432,
    });
  });

  it('external database with a typed password: values name a new Secret and hold no password', () => {
    const plan = buildPlan({
      database: 'external',
      dbHost: 'pg',
      release: 'ps',
      dbPassword: new SecretValue('s3cr3t-pw'),
    });
    expect(plan.database).toMatchObject({
      password: { source: 'new-secret', secretName: 'ps-postgresql-external' },
    });
    const yaml = valuesToYaml(renderValues(plan));
    expect(yaml).toContain('existingSecret: ps-postgresql-external');
    expect(yaml).not.toContain('s3cr3t-pw');
    expect(JSON.stringify(plan)).not.toContain('s3cr3t-pw');
    expect(inspect(plan, { depth: 10 })).not.toContain('s3cr3t-pw');
  });

  it('agent off, on, with labels and job resources', () => {
    expect(values({}).agent).toEqual({ enabled: false });
    expect(values({ agent: true }).agent).toEqual({ enabled: true, prefectLabels: [] });
    expect(
      values({ agent: true, agentLabels: ['a', 'b'], jobCpuRequest: '500m', jobMemoryLimit: '1Gi' })
        .agent,
    ).toEqual({
      enabled: true,
      prefectLabels: ['a', 'b'],
      job: { resources: { requests: { cpu: '500m' }, limits: { memory: '1Gi' } } },
    });
  });

  it('every exposure sets both service types and the browser-facing API URL', () => {
    const pf = values({});
    expect([pf.apollo.service.type, pf.ui.service.type, pf.ui.apolloApiUrl]).toEqual([
      'ClusterIP',
      'ClusterIP',
      'http://localhost:4200/graphql',
    ]);
    const lb = values({ expose: 'loadbalancer', apiUrl: 'http://lb.example.com:4200/graphql' });
    expect([lb.apollo.service.type, lb.ui.service.type, lb.ui.apolloApiUrl]).toEqual([
      'LoadBalancer',
      'LoadBalancer',
      'http://lb.example.com:4200/graphql',
    ]);
    const ing = values({
      expose: 'ingress',
      apiHost: 'api.x.io',
      uiHost: 'ui.x.io',
      tlsSecret: 'x-tls',
      ingressClass: 'nginx',
    });
    expect(ing.ui.apolloApiUrl).toBe('https://api.x.io/graphql');
    expect(ing.apollo.ingress).toEqual({
      enabled: true,
      ingressClassName: 'nginx',
      hosts: ['api.x.io'],
      path: '/',
      tls: [{ hosts: ['api.x.io'], secretName: 'x-tls' }],
    });
    expect(ing.ui.ingress.hosts).toEqual(['ui.x.io']);
    expect(
      values({ expose: 'ingress', apiHost: 'api.x.io', uiHost: 'ui.x.io' }).ui.apolloApiUrl,
    ).toBe('http://api.x.io/graphql');
  });

  it('tenant on and off, tags only when chosen, pull secrets as names', () => {
    expect(values({}).jobs).toEqual({
      createTenant: { enabled: true, tenant: { name: 'default', slug: 'default' } },
    });
    expect(values({ tenant: false }).jobs).toEqual({ createTenant: { enabled: false } });
    const v = values({ serverTag: '2022.09.23', imagePullSecrets: ['regcred'] });
    expect(v.serverVersionTag).toBe('2022.09.23');
    expect(v).not.toHaveProperty('prefectVersionTag');
    expect(v.imagePullSecrets).toEqual([{ name: 'regcred' }]);
  });
});

describe('buildPlan refuses contradictions with the flag to fix', () => {
  it.each([
    [{ dbHost: 'pg' }, /--db-host is for an external database/],
    [{ database: 'external' }, /--db-host is required with --database external/],
    [{ database: 'external', dbHost: 'pg' }, /--db-existing-secret NAME .* or --db-password-stdin/],
    [
      {
        database: 'external',
        dbHost: 'pg',
        dbExistingSecret: 's',
        dbPassword: new SecretValue('x'),
      },
      /either --db-existing-secret or --db-password-stdin/,
    ],
    [{ dbSize: '8Gi' }, /need --db-persistence/],
    [{ agentLabels: ['x'] }, /--agent-labels needs --agent/],
    [{ apiHost: 'a.b.c' }, /--api-host needs --expose ingress/],
    [{ expose: 'ingress', uiHost: 'ui.x.io' }, /--api-host is required with --expose ingress/],
    [{ chartVersion: '2022.09.23' }, /--chart-version is for released charts/],
    [{ tenantSlug: 'Data Team' }, /--tenant-slug: Tenant slug "Data Team"/],
    [{ set: ['noequals'] }, /must have the form key=value/],
  ] as [InstallAnswers, RegExp][])('%o', (answers, message) => {
    expect(() => buildPlan(answers)).toThrow(InputError);
    expect(() => buildPlan(answers)).toThrow(message);
  });
});

describe('values eras', () => {
  it('picks the key style by chart version', () => {
    expect(valuesEraFor({ source: 'bundled' })).toBe('bundled');
    const repo = (version: string | undefined) => ({
      source: 'repo' as const,
      repoUrl: 'x',
      version,
      verify: false,
      keyring: undefined,
      signingKey: undefined,
    });
    expect(valuesEraFor(repo(undefined))).toBe('2022.09');
    expect(valuesEraFor(repo('2022.09.07'))).toBe('2022.09');
    expect(valuesEraFor(repo('2022.04.14'))).toBe('seed');
    expect(valuesEraFor(repo('2021.04.27'))).toBe('seed');
    expect(passwordSecretKey('seed')).toBe('postgresql-password');
    expect(passwordSecretKey('2022.09')).toBe('postgres-password');
    expect(valuesEraFor(repo('21.10.21'))).toBe('seed');
    expect(compareVersions('2022.10.1', '2022.09.23')).toBe(1);
    expect(compareVersions('v1.2.3', '1.2.3')).toBe(0);
  });
});
