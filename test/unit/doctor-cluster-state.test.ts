// What doctor reads through the API client, decided over a hand-written API (the real server is
// exercised in test/e2e/doctor*.test.ts): one list per kind of the release, the kinds a user may
// not list named, and the API server's silence in the words the cluster checks quote.
import { describe, expect, it } from 'vitest';
import { fetchClusterClasses, fetchReleaseObjects } from '../../src/checks/cluster-state.js';
import { unreachableReason } from '../../src/checks/context.js';
import { type KubeApi, KubeApiError } from '../../src/tools/kube-api.js';

function api(answer: (path: string) => unknown): KubeApi & { asked: string[] } {
  const asked: string[] = [];
  return {
    transport: 'direct',
    asked,
    async get<T>(path: string) {
      asked.push(path);
      const a = answer(path);
      if (a instanceof Error) throw a;
      return a as T | undefined;
    },
    async getText() {
      throw new Error('not asked');
    },
    async post<T>(): Promise<T> {
      throw new Error('not asked');
    },
  };
}

const item = (name: string) => ({ metadata: { name, labels: {} } });

describe('the release objects', () => {
  it('one list per kind, by the release label, each item with the kind kubectl gave it', async () => {
    const cluster = api((path) => ({ items: [item(path.split('?')[0]?.split('/').pop() ?? '')] }));
    const objects = await fetchReleaseObjects(cluster, 'prefect', 'prefect-server');
    expect(cluster.asked.sort()).toEqual(
      [
        '/api/v1/namespaces/prefect/pods',
        '/api/v1/namespaces/prefect/services',
        '/apis/apps/v1/namespaces/prefect/deployments',
        '/apis/apps/v1/namespaces/prefect/statefulsets',
        '/apis/networking.k8s.io/v1/namespaces/prefect/ingresses',
      ].map((p) => `${p}?labelSelector=app.kubernetes.io%2Finstance%3Dprefect-server`),
    );
    expect(objects.workloads.map((w) => [w.kind, w.metadata.name])).toEqual([
      ['Deployment', 'deployments'],
      ['StatefulSet', 'statefulsets'],
    ]);
    expect(objects.pods[0]).toMatchObject({ kind: 'Pod', apiVersion: 'v1' });
    expect(objects.ingresses[0]).toMatchObject({ kind: 'Ingress' });
    expect(objects.forbidden).toEqual([]);
  });

  it('a kind the user may not list is named, the others still known; another refusal is thrown', async () => {
    const forbidden = new KubeApiError('pods is forbidden', {
      method: 'GET',
      path: '/api/v1/namespaces/prefect/pods',
      status: 403,
    });
    const objects = await fetchReleaseObjects(
      api((path) => (path.includes('/pods') ? forbidden : { items: [item('x')] })),
      'prefect',
      'prefect-server',
    );
    expect(objects.forbidden).toEqual(['pods']);
    expect(objects.services).toHaveLength(1);
    await expect(
      fetchReleaseObjects(
        api((path) => (path.includes('/services') ? new Error('no answer') : { items: [] })),
        'prefect',
        'prefect-server',
      ),
    ).rejects.toThrow('cannot list services: no answer');
  });

  it('classes: a kind the user may not list (403) is unknown (undefined), not empty', async () => {
    const classes = await fetchClusterClasses(
      api((path) =>
        path.includes('storageclasses')
          ? new KubeApiError('storageclasses is forbidden', { method: 'GET', path, status: 403 })
          : { items: [item('nginx')] },
      ),
    );
    expect(classes.storageClasses).toBeUndefined();
    expect(classes.ingressClasses?.[0]).toMatchObject({ kind: 'IngressClass' });
  });

  // Install's preflight and doctor read the classes through this one function. Doctor used to
  // call any failure "you may not list"; install's reading is kept: only a 403 says that, a
  // cluster without the API has no classes, and any other failure is reported as what it is.
  it('classes: an API the cluster lacks (404) holds none; another failure is not called a refusal', async () => {
    const none = await fetchClusterClasses(api(() => undefined));
    expect(none).toEqual({ ingressClasses: [], storageClasses: [] });
    await expect(
      fetchClusterClasses(
        api(
          (path) =>
            new KubeApiError('the server was unable to return a response in the time allotted', {
              method: 'GET',
              path,
              status: 504,
            }),
        ),
      ),
    ).rejects.toThrow('unable to return a response');
  });
});

describe('an API server that does not answer', () => {
  it('is described in the words kubectl version used', () => {
    expect(
      unreachableReason(
        new KubeApiError('dial tcp 127.0.0.1:39999: connect: connection refused', {
          method: 'GET',
          path: '/version',
        }),
      ),
    ).toBe(
      'The connection to the server 127.0.0.1:39999 was refused - did you specify the right host or port?',
    );
    expect(
      unreachableReason(
        new KubeApiError('Unauthorized', { method: 'GET', path: '/version', status: 401 }),
      ),
    ).toBe('error: You must be logged in to the server (Unauthorized)');
    expect(unreachableReason(new Error('no answer from 10.0.0.1:6443 in 5s'))).toBe(
      'no answer from 10.0.0.1:6443 in 5s',
    );
  });
});
