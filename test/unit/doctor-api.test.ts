// doctor's api and agent checks: tenants, the UI's server_url against the addresses users reach,
// and the agent's log.
import { describe, expect, it } from 'vitest';
import { judgeAgentLog } from '../../src/checks/agent.js';
import {
  apiUrlsOf,
  clusterOnlyHost,
  judgeServerUrl,
  judgeTenants,
  needsProbe,
} from '../../src/checks/api.js';
import type { ReleaseObjects } from '../../src/checks/cluster-state.js';
import type { Ingress, Service } from '../../src/tools/kube-objects.js';

const target = '-n prefect';

describe('tenants', () => {
  it('none: the manual’s blank dashboard and agent 400s, and the command that creates one', () => {
    const result = judgeTenants({ data: { tenant: [] } }, target);
    expect(result.status).toBe('fail');
    expect(result.message).toContain('UI dashboard stays blank');
    expect(result.message).toContain('400 Client Error: Bad Request" on get_runs_in_queue');
    expect(result.hint).toBe('Create one: prefect-server tenant create -n prefect');
  });

  it('some: pass, listing their slugs; GraphQL errors fail', () => {
    expect(
      judgeTenants({ data: { tenant: [{ name: 'Default', slug: 'default' }] } }, target),
    ).toMatchObject({
      status: 'pass',
      message: '1 tenant: default',
    });
    expect(judgeTenants({ errors: [{ message: 'boom' }] }, target).status).toBe('fail');
  });
});

const apolloService = (type = 'ClusterIP', ip?: string): Service => ({
  kind: 'Service',
  metadata: { name: 'r-apollo', labels: { 'app.kubernetes.io/component': 'apollo' } },
  spec: { type, ports: [{ port: 4200 }] },
  status: ip ? { loadBalancer: { ingress: [{ ip }] } } : {},
});
const apolloIngress: Ingress = {
  kind: 'Ingress',
  metadata: { name: 'r-apollo' },
  spec: {
    tls: [{ hosts: ['api.example.com'] }],
    rules: [
      {
        host: 'api.example.com',
        http: { paths: [{ path: '/', backend: { service: { name: 'r-apollo' } } }] },
      },
    ],
  },
};
const objects = (services: Service[], ingresses: Ingress[] = []): ReleaseObjects => ({
  workloads: [],
  pods: [],
  services,
  ingresses,
  forbidden: [],
});

describe('server_url', () => {
  it('the addresses users reach: the Ingress (https when TLS covers it), the LoadBalancer, connect', () => {
    const urls = apiUrlsOf(
      objects([apolloService('LoadBalancer', '203.0.113.7')], [apolloIngress]),
    );
    expect(urls.map((u) => u.url)).toEqual([
      'https://api.example.com/graphql',
      'http://203.0.113.7:4200/graphql',
      'http://localhost:4200/graphql',
      'http://127.0.0.1:4200/graphql',
    ]);
  });

  it('the port-forward default passes: connect forwards apollo to localhost:4200', () => {
    const known = apiUrlsOf(objects([apolloService()]));
    expect(judgeServerUrl('http://localhost:4200/graphql', known, undefined, target)).toMatchObject(
      {
        status: 'pass',
        message: expect.stringContaining('prefect-server connect'),
      },
    );
  });

  it('the Ingress address passes', () => {
    const known = apiUrlsOf(objects([apolloService()], [apolloIngress]));
    expect(
      judgeServerUrl('https://api.example.com/graphql/', known, undefined, target).status,
    ).toBe('pass');
  });

  it('an in-cluster name fails: the browser cannot resolve it', () => {
    const known = apiUrlsOf(objects([apolloService()], [apolloIngress]));
    const result = judgeServerUrl(
      'http://r-apollo.prefect.svc:4200/graphql',
      known,
      undefined,
      target,
    );
    expect(result.status).toBe('fail');
    expect(result.hint).toBe(
      'Point the UI at an address your browser reaches: prefect-server upgrade -n prefect --api-url https://api.example.com/graphql',
    );
    expect(clusterOnlyHost('r-apollo')).toBe(true);
    expect(clusterOnlyHost('api.example.com')).toBe(false);
    expect(clusterOnlyHost('10.0.0.1')).toBe(false);
  });

  it('localhost on another port warns: only while forwarded there', () => {
    const known = apiUrlsOf(objects([apolloService()]));
    const result = judgeServerUrl('http://localhost:14200/graphql', known, undefined, target);
    expect(result.status).toBe('warn');
    expect(result.hint).toBe(
      'Forward it there: prefect-server connect -n prefect --api-port 14200',
    );
  });

  it('an unknown external address is probed: answering passes, silence fails', () => {
    const known = apiUrlsOf(objects([apolloService()]));
    expect(needsProbe('http://prefect.example.org/graphql', known)).toBe(true);
    expect(needsProbe('http://localhost:4200/graphql', known)).toBe(false);
    expect(judgeServerUrl('http://prefect.example.org/graphql', known, true, target).status).toBe(
      'pass',
    );
    expect(judgeServerUrl('http://prefect.example.org/graphql', known, false, target).status).toBe(
      'fail',
    );
  });

  it('a missing or malformed server_url fails', () => {
    expect(judgeServerUrl(undefined, [], undefined, target).status).toBe('fail');
    expect(judgeServerUrl('::', [], undefined, target).status).toBe('fail');
  });
});

describe("the agent's log", () => {
  const tenantless = `[2020-11-13 19:16:02,083] ERROR - agent | 400 Client Error: Bad Request for url: http://my-release-apollo.default:4200/graphql

This is likely caused by a poorly formatted GraphQL query or mutation. GraphQL sent:

query {
    mutation($input: get_runs_in_queue_input!) {
            get_runs_in_queue(input: $input) {
variables {
    {"input": {"before": "2020-11-13T19:16:01.973734+00:00", "labels": [], "tenant_id": null}}
`;

  it('the manual’s error: a tenant is missing', () => {
    const result = judgeAgentLog(tenantless, target);
    expect(result.status).toBe('fail');
    expect(result.message).toContain('400 Client Error" on get_runs_in_queue');
    expect(result.hint).toBe(
      'Create one (the agent recovers by itself): prefect-server tenant create -n prefect',
    );
  });

  it('another 400 points at version skew; connection errors warn; a quiet log passes', () => {
    expect(
      judgeAgentLog('ERROR - agent | 400 Client Error: Bad Request for url: x', target).hint,
    ).toContain('--prefect-tag');
    expect(
      judgeAgentLog(
        'requests.exceptions.ConnectionError: Max retries exceeded with url: /graphql',
        target,
      ).status,
    ).toBe('warn');
    expect(judgeAgentLog('INFO - agent | Waiting for flow runs...', target).status).toBe('pass');
  });
});
