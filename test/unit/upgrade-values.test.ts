import { describe, expect, it } from 'vitest';
import { buildPlan, type InstallAnswers } from '../../src/plan/install-plan.js';
import { compareManifests } from '../../src/upgrade/object-changes.js';
import { answersFromValues } from '../../src/values/answers-from-values.js';
import { diffValues, mergeValues } from '../../src/values/merge-values.js';
import { renderValues } from '../../src/values/render-values.js';
import { translateValues } from '../../src/values/translate-era.js';

describe('answersFromValues reverses renderValues', () => {
  it.each<[string, InstallAnswers]>([
    ['defaults', {}],
    [
      'agent with labels and jobs',
      { agent: true, agentLabels: ['k8s'], jobCpuRequest: '1', jobMemoryLimit: '2Gi' },
    ],
    [
      'ingress with TLS',
      {
        expose: 'ingress',
        apiHost: 'api.x.io',
        uiHost: 'ui.x.io',
        tlsSecret: 'tls',
        ingressClass: 'nginx',
      },
    ],
    ['load balancer', { expose: 'loadbalancer', apiUrl: 'http://lb.x.io:4200/graphql' }],
    ['persistent database', { dbPersistence: true, dbSize: '20Gi', dbStorageClass: 'fast' }],
    [
      'external database',
      { database: 'external', dbHost: 'pg', dbPort: 6543, dbExistingSecret: 'pw' },
    ],
    [
      'tags, no tenant, pull secrets',
      { serverTag: 'x1', uiTag: 'u1', tenant: false, imagePullSecrets: ['reg'] },
    ],
  ])('%s: values -> answers -> the same values', (_name, answers) => {
    const values = renderValues(buildPlan(answers));
    const roundTrip = renderValues(buildPlan(answersFromValues(values, 'prefect-server')));
    expect(roundTrip).toEqual(values);
  });

  it('reads hand-written seed-era values of the original chart', () => {
    const answers = answersFromValues(
      {
        postgresql: {
          useSubChart: false,
          externalHostname: 'db.corp',
          postgresqlUsername: 'hasura',
          existingSecret: 'pg',
          servicePort: 5433,
        },
        apollo: { service: { type: 'LoadBalancer' } },
      },
      'rel',
    );
    expect(answers).toMatchObject({
      database: 'external',
      dbHost: 'db.corp',
      dbUser: 'hasura',
      dbExistingSecret: 'pg',
      dbPort: 5433,
      expose: 'loadbalancer',
    });
  });
});

describe('translateValues', () => {
  const seed = {
    postgresql: {
      postgresqlPassword: 'pw',
      postgresqlUsername: 'u',
      existingSecret: '',
      persistence: { enabled: true, size: '8Gi' },
      useSubChart: true,
    },
    agent: { enabled: true },
  };

  it('moves seed-era keys to 2022.09-era keys and back, leaving others alone', () => {
    const forward = translateValues(seed, '2022.09');
    expect(forward.values).toEqual({
      postgresql: {
        auth: { password: 'pw', username: 'u' },
        primary: { persistence: { enabled: true, size: '8Gi' } },
        useSubChart: true,
        existingSecret: '',
      },
      agent: { enabled: true },
    });
    expect(forward.moved).toEqual([
      'postgresql.postgresqlUsername -> postgresql.auth.username',
      'postgresql.postgresqlPassword -> postgresql.auth.password',
      'postgresql.persistence -> postgresql.primary.persistence',
    ]);
    const back = translateValues(forward.values, 'seed');
    expect(back.values.postgresql).toMatchObject({
      postgresqlPassword: 'pw',
      postgresqlUsername: 'u',
      persistence: { enabled: true, size: '8Gi' },
    });
    expect(back.values.postgresql).not.toHaveProperty('auth');
    expect(seed.postgresql.postgresqlPassword).toBe('pw'); // the input is not mutated
  });

  it('keeps an explicit newer key when both eras are set', () => {
    const both = translateValues(
      { postgresql: { postgresqlUsername: 'old', auth: { username: 'new' } } },
      '2022.09',
    );
    expect(both.values).toEqual({ postgresql: { auth: { username: 'new' } } });
  });
});

describe('merge and diff of values', () => {
  it('merges maps key by key and replaces lists, like helm', () => {
    expect(mergeValues({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 })).toEqual({
      a: { b: 1, c: [3] },
      d: 1,
      e: 2,
    });
  });

  it('shows changes, additions and removals, masking passwords', () => {
    const lines = diffValues(
      { agent: { enabled: false }, postgresql: { auth: { password: 'old-secret' } }, x: 1 },
      {
        agent: { enabled: true, prefectLabels: [] },
        postgresql: { auth: { password: 'new-secret' } },
      },
    );
    expect(lines).toEqual([
      '~ agent.enabled: false -> true',
      '+ agent.prefectLabels: []',
      '~ postgresql.auth.password: ******** -> ********',
      '- x: 1',
    ]);
  });
});

describe('compareManifests', () => {
  it('lists added, changed and removed objects by kind and name', () => {
    const before =
      'kind: Service\nmetadata: {name: a}\nspec: {port: 1}\n---\nkind: Role\nmetadata: {name: r}\n---\nkind: ConfigMap\nmetadata: {name: same}\n';
    const after =
      'kind: Service\nmetadata: {name: a}\nspec: {port: 2}\n---\nkind: Deployment\nmetadata: {name: d}\n---\nkind: ConfigMap\nmetadata: {name: same}\n';
    expect(compareManifests(before, after)).toEqual({
      added: ['Deployment/d'],
      changed: ['Service/a'],
      removed: ['Role/r'],
    });
  });
});
