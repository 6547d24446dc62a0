// fast-check generators of valid install answers, shared by the unit, chart and e2e property tests.
import fc from 'fast-check';
import type { InstallAnswers } from '../../src/plan/install-plan.js';

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?$/);
const host = fc.tuple(label, label).map(([a, b]) => `${a}.${b}.example.com`);
const quantity = fc.oneof(
  fc.integer({ min: 1, max: 64 }).map((n) => `${n}Gi`),
  fc.integer({ min: 1, max: 4000 }).map((n) => `${n}m`),
  fc.integer({ min: 1, max: 16 }).map(String),
);
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/);

export const validAnswers: fc.Arbitrary<InstallAnswers> = fc
  .record({
    database: fc.constantFrom('bundled', 'external') as fc.Arbitrary<'bundled' | 'external'>,
    persistence: fc.boolean(),
    size: fc.integer({ min: 1, max: 100 }).map((n) => `${n}Gi`),
    dbHost: host,
    dbPort: fc.integer({ min: 1, max: 65535 }),
    agent: fc.boolean(),
    labels: fc.array(fc.stringMatching(/^[a-z][a-z0-9:_-]{0,10}$/), { maxLength: 3 }),
    jobCpu: fc.option(quantity, { nil: undefined }),
    jobMemory: fc.option(quantity, { nil: undefined }),
    expose: fc.constantFrom('port-forward', 'loadbalancer', 'ingress') as fc.Arbitrary<
      'port-forward' | 'loadbalancer' | 'ingress'
    >,
    apiHost: host,
    uiHost: host,
    tls: fc.boolean(),
    serverTag: fc.option(tag, { nil: undefined }),
    uiTag: fc.option(tag, { nil: undefined }),
    tenant: fc.boolean(),
    slug: fc.stringMatching(/^[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}$/),
    release: fc.stringMatching(/^[a-z]([a-z0-9-]{0,20}[a-z0-9])?$/),
  })
  .map((r) => {
    const answers: InstallAnswers = {
      release: r.release,
      database: r.database,
      agent: r.agent,
      expose: r.expose,
      tenant: r.tenant,
    };
    if (r.database === 'bundled') {
      answers.dbPersistence = r.persistence;
      if (r.persistence) answers.dbSize = r.size;
    } else {
      answers.dbHost = r.dbHost;
      answers.dbPort = r.dbPort;
      answers.dbExistingSecret = 'db-password';
    }
    if (r.agent) {
      answers.agentLabels = r.labels;
      answers.jobCpuRequest = r.jobCpu;
      answers.jobMemoryLimit = r.jobMemory;
    }
    if (r.expose === 'ingress') {
      answers.apiHost = r.apiHost;
      answers.uiHost = r.uiHost === r.apiHost ? `ui-${r.uiHost}` : r.uiHost;
      if (r.tls) answers.tlsSecret = 'prefect-tls';
    }
    if (r.expose === 'loadbalancer') answers.apiUrl = `http://${r.apiHost}:4200/graphql`;
    answers.serverTag = r.serverTag;
    answers.uiTag = r.uiTag;
    if (r.tenant) answers.tenantSlug = r.slug;
    return answers;
  });
