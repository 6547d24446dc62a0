// doctor's tools, cluster and permission checks: the decisions, on plain values.
import { describe, expect, it } from 'vitest';
import { accessAnswers } from '../../src/checks/access-review.js';
import { kubeVersionSupport, satisfiesKubeVersion } from '../../src/checks/cluster.js';
import { judgeCreate, kindsForFeatures } from '../../src/checks/permissions.js';
import { helmVersionProblem, versionSkew } from '../../src/checks/tools.js';
import { portForwardFailure as forwardFailure } from '../../src/release/forward-output.js';
import type { KubeApi } from '../../src/tools/kube-api.js';

describe('tools', () => {
  it.each([
    ['v3.8.0', undefined],
    ['v3.22.0', undefined],
    ['v4.3.1', undefined],
    ['v3.7.2', 'helm v3.7.2 is too old: 3.8 or newer, or 4, is needed'],
    ['v2.17.0', 'helm v2.17.0 is too old: 3.8 or newer, or 4, is needed'],
  ])('helm %s', (version, problem) => {
    expect(helmVersionProblem(version)).toBe(problem);
  });

  it('kubectl within one minor of the server passes, further warns with the version to get', () => {
    expect(versionSkew('v1.32.4-dispatcher', 'v1.33.13').status).toBe('pass');
    expect(versionSkew('v1.34.0', 'v1.33.1').status).toBe('pass');
    const far = versionSkew('v1.29.0', 'v1.33.1');
    expect(far.status).toBe('warn');
    expect(far.message).toBe(
      'kubectl v1.29.0 is 4 minor versions older than the API server v1.33.1; only one is supported',
    );
    expect(far.hint).toContain('Install kubectl 1.33');
  });
});

describe('cluster version', () => {
  it.each([
    ['>=1.23.0-0', 'v1.33.13', true],
    ['>=1.23.0-0', 'v1.23.0-gke.100', true],
    ['>=1.23.0-0', 'v1.22.17', false],
    ['>=1.23.0-0 <1.30.0', 'v1.33.1', false],
    ['>=1.23.0-0, <1.40.0', 'v1.33.1', true],
  ])('%s with %s: %s', (constraint, version, ok) => {
    expect(satisfiesKubeVersion(constraint, version)).toBe(ok);
  });

  it('a too old server fails naming the constraint', () => {
    expect(kubeVersionSupport('>=1.23.0-0', 'v1.21.3')).toMatchObject({
      status: 'fail',
      message: 'Kubernetes v1.21.3 is older than the chart supports (>=1.23.0-0)',
    });
  });
});

describe('permissions', () => {
  it('asks about the kinds each feature adds', () => {
    const none = {
      bundledDatabase: false,
      agent: false,
      tenantJob: false,
      ingress: false,
      retention: false,
    };
    expect(kindsForFeatures(none)).toEqual([
      'deployments.apps',
      'services',
      'secrets',
      'configmaps',
      'serviceaccounts',
    ]);
    expect(
      kindsForFeatures({
        bundledDatabase: true,
        agent: true,
        tenantJob: true,
        ingress: true,
        retention: true,
      }),
    ).toEqual([
      'deployments.apps',
      'services',
      'secrets',
      'configmaps',
      'serviceaccounts',
      'statefulsets.apps',
      'roles.rbac.authorization.k8s.io',
      'rolebindings.rbac.authorization.k8s.io',
      'jobs.batch',
      'ingresses.networking.k8s.io',
      'cronjobs.batch',
    ]);
  });

  const answers = (denied: string[], all: string[]) =>
    new Map(all.map((k) => [`create ${k}`, !denied.includes(k)]));

  it('a denied required kind fails with the rolebinding to ask for', () => {
    const required = ['deployments.apps', 'secrets'];
    const result = judgeCreate('prefect', required, [], answers(['secrets'], required));
    expect(result.status).toBe('fail');
    expect(result.message).toBe('you may not create secrets in namespace prefect');
    expect(result.hint).toContain('kubectl create rolebinding prefect-admin --clusterrole=admin');
  });

  it('before an install, a denied optional kind warns with the feature it blocks', () => {
    const required = ['deployments.apps'];
    const optional = ['roles.rbac.authorization.k8s.io', 'ingresses.networking.k8s.io'];
    const result = judgeCreate(
      'prefect',
      required,
      optional,
      answers(['roles.rbac.authorization.k8s.io'], [...required, ...optional]),
    );
    expect(result.status).toBe('warn');
    expect(result.message).toContain('no the agent (--agent)');
    expect(
      judgeCreate('prefect', required, optional, answers([], [...required, ...optional])).status,
    ).toBe('pass');
  });

  it('asks one SelfSubjectAccessReview per question, subresources included', async () => {
    const posted: { path: string; body: { spec: { resourceAttributes: unknown } } }[] = [];
    const api: KubeApi = {
      transport: 'direct',
      async get() {
        throw new Error('not asked');
      },
      async getText() {
        throw new Error('not asked');
      },
      async post<T>(path: string, body: unknown): Promise<T> {
        posted.push({ path, body: body as (typeof posted)[number]['body'] });
        return { status: { allowed: posted.length !== 2 } } as T;
      },
    };
    const answers = await accessAnswers(
      api,
      [
        { verb: 'create', resource: 'deployments.apps' },
        { verb: 'create', resource: 'pods/portforward' },
        { verb: 'create', resource: 'rolebindings.rbac.authorization.k8s.io' },
      ],
      'prefect',
    );
    expect([...answers]).toEqual([
      ['create deployments.apps', true],
      ['create pods/portforward', false],
      ['create rolebindings.rbac.authorization.k8s.io', true],
    ]);
    expect(new Set(posted.map((p) => p.path))).toEqual(
      new Set(['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews']),
    );
    const list = { items: posted.map((p) => p.body) };
    expect(
      list.items.map((i: { spec: { resourceAttributes: unknown } }) => i.spec.resourceAttributes),
    ).toEqual([
      { verb: 'create', group: 'apps', resource: 'deployments', namespace: 'prefect' },
      {
        verb: 'create',
        group: '',
        resource: 'pods',
        subresource: 'portforward',
        namespace: 'prefect',
      },
      {
        verb: 'create',
        group: 'rbac.authorization.k8s.io',
        resource: 'rolebindings',
        namespace: 'prefect',
      },
    ]);
  });
});

describe('port-forward failures', () => {
  it('takes kubectl’s detailed reason over its last line', () => {
    const stderr = `E1123 19:32:46.803848    7755 portforward.go:424] "Unhandled Error" err="an error occurred forwarding 36693 -> 8080: error forwarding port 8080 to pod ui-1/ns, uid : no forward found for port 8080 in pod \\"ns/ui-1\\""
error: lost connection to pod`;
    expect(forwardFailure(stderr)).toBe(
      'an error occurred forwarding 36693 -> 8080: error forwarding port 8080 to pod ui-1/ns, uid : no forward found for port 8080 in pod "ns/ui-1"',
    );
    expect(
      forwardFailure(
        'error: unable to forward port because pod is not running. Current status=Pending',
      ),
    ).toBe('unable to forward port because pod is not running. Current status=Pending');
  });
});
