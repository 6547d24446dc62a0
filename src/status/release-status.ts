// status: one screen about a release, from a handful of list calls: helm's record, the
// workloads, the Services and Ingresses, and the release's own values.

import { defaults } from '../plan/install-plan.js';
import { externalAddress } from '../release/addresses.js';
import { bundledDatabase } from '../release/bundled-database.js';
import { componentLabel, instanceSelector } from '../release/labels.js';
import { chartVersionOf } from '../release/released-chart.js';
import { fetchWorkloads } from '../release/workload-status.js';
import type { HelmRelease } from '../tools/helm.js';
import { type KubeApi, selectorQuery } from '../tools/kube-api.js';
import type { Ingress, KubeList, Service, Workload } from '../tools/kube-objects.js';
import type { ClusterTarget } from '../tools/kubectl.js';
import { InterruptedError } from '../ui/interrupt.js';
import { answersFromValues } from '../values/answers-from-values.js';
import type { Values } from '../values/render-values.js';

export interface ReleaseStatus {
  release: {
    name: string;
    namespace: string;
    chart: string;
    appVersion: string;
    revision: number;
    status: string;
    lastDeployed: string;
  };
  components: { component: string; kind: string; ready: number; desired: number }[];
  exposure: { component: 'apollo' | 'ui'; type: string; url: string | undefined; note: string }[];
  database:
    | {
        mode: 'bundled';
        persistence: boolean;
        size: string | undefined;
        /** The database StatefulSet found (Bitnami's `R-postgresql` for a released chart). */
        statefulSet?: { name: string; ready: number; desired: number } | undefined;
        /** Where the server's pods read the password, and whether that key is there. */
        secret?: { name: string; key: string; found: boolean } | undefined;
      }
    | { mode: 'external'; host: string | undefined; port: number | undefined };
  agent: boolean;
  /** Tenants the API reports, or undefined when it did not answer within a few seconds. */
  tenants: number | undefined;
}

const component = (o: { metadata: { labels?: Record<string, string> } }) =>
  o.metadata.labels?.[componentLabel] ?? '';

function exposureOf(
  name: 'apollo' | 'ui',
  services: Service[],
  ingresses: Ingress[],
): ReleaseStatus['exposure'][number] {
  const path = name === 'apollo' ? '/graphql' : '/';
  const ingress = ingresses.find((i) => component(i) === name);
  const service = services.find((s) => component(s) === name);
  if (!service && !ingress)
    return { component: name, type: 'none', url: undefined, note: 'no Service found' };
  const address = externalAddress(service ?? { metadata: { name: '' }, spec: {} }, ingress);
  if (address.state === 'none') {
    // Neither an Ingress nor a LoadBalancer: connect's port-forward is the way in.
    const local = name === 'apollo' ? defaults.portForwardApiUrl : 'http://localhost:8080/';
    return {
      component: name,
      type: address.type,
      url: local,
      note: 'through prefect-server connect',
    };
  }
  const type = ingress ? 'Ingress' : 'LoadBalancer';
  if (address.state === 'pending') {
    const what = ingress ? 'ingress' : 'load balancer';
    return { component: name, type, url: undefined, note: `${what} address pending` };
  }
  return {
    component: name,
    type,
    url: `${address.baseUrl}${path}`,
    note: ingress ? `Ingress ${ingress.metadata.name}` : `Service ${service?.metadata.name}`,
  };
}

/**
 * The status of a release, read through the API client (`api`); `cluster` is the kubeconfig and
 * context the short-lived port-forward to apollo (for the tenant count) is started against.
 */
export async function readReleaseStatus(
  api: KubeApi,
  cluster: ClusterTarget,
  release: HelmRelease,
  userValues: Values,
  revision: number,
): Promise<ReleaseStatus> {
  const ns = release.namespace;
  const query = selectorQuery(instanceSelector(release.name));
  const list = async <T>(path: string): Promise<{ items: T[] }> => ({
    items: (await api.get<KubeList<T>>(path))?.items ?? [],
  });
  const [workloads, services, ingresses] = await Promise.all([
    fetchWorkloads(api, ns, release.name).then((items) => ({ items })),
    list<Service>(`/api/v1/namespaces/${ns}/services${query}`),
    list<Ingress>(`/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses${query}`),
  ]);
  const answers = answersFromValues(userValues, release.name);
  // A released chart's database is Bitnami's StatefulSet (no component label of ours).
  const bitnami = bundledDatabase(release.name, chartVersionOf(release));
  const isDatabase = (w: Workload) =>
    w.kind === 'StatefulSet' &&
    (bitnami ? w.metadata.name === bitnami.statefulSet : component(w) === 'postgresql');
  const database = workloads.items.find(isDatabase);
  const secret =
    answers.database === 'external'
      ? undefined
      : await passwordSecret(api, release, workloads.items);
  return {
    release: {
      name: release.name,
      namespace: release.namespace,
      chart: release.chart,
      appVersion: release.app_version,
      revision,
      status: release.status,
      lastDeployed: release.updated,
    },
    components: workloads.items
      .map((w) => ({
        component: isDatabase(w) ? 'postgresql' : component(w),
        kind: w.kind,
        ready: w.status?.readyReplicas ?? 0,
        desired: w.spec.replicas ?? 1,
      }))
      .sort((a, b) => a.component.localeCompare(b.component)),
    exposure: [
      exposureOf('apollo', services.items, ingresses.items),
      exposureOf('ui', services.items, ingresses.items),
    ],
    database:
      answers.database === 'external'
        ? { mode: 'external', host: answers.dbHost, port: answers.dbPort }
        : {
            mode: 'bundled',
            persistence: answers.dbPersistence ?? false,
            size: answers.dbSize,
            statefulSet: database && {
              name: database.metadata.name,
              ready: database.status?.readyReplicas ?? 0,
              desired: database.spec.replicas ?? 1,
            },
            secret,
          },
    agent: answers.agent ?? false,
    tenants: await countTenants(cluster, release),
  };
}

/** The Secret and key hasura reads PGPASSWORD from (what the pods use), and whether it holds it. */
async function passwordSecret(
  api: KubeApi,
  release: HelmRelease,
  workloads: Workload[],
): Promise<{ name: string; key: string; found: boolean } | undefined> {
  const hasura = workloads.find((w) => w.kind === 'Deployment' && component(w) === 'hasura');
  const ref = hasura?.spec.template?.spec?.containers
    ?.flatMap((c) => c.env ?? [])
    .find((e) => e.name === 'PGPASSWORD')?.valueFrom?.secretKeyRef;
  if (!ref) return undefined;
  const data = await api
    .get<{ data?: Record<string, string> }>(
      `/api/v1/namespaces/${release.namespace}/secrets/${encodeURIComponent(ref.name)}`,
    )
    .then((s) => s?.data ?? {})
    .catch(() => ({}) as Record<string, string>);
  return { name: ref.name, key: ref.key, found: Boolean(data[ref.key]) };
}

/** Asks apollo through a short-lived port-forward; a few seconds at most, never an error. */
async function countTenants(
  cluster: ClusterTarget,
  release: HelmRelease,
): Promise<number | undefined> {
  const [{ withApiAccess }, { PrefectApi }] = await Promise.all([
    import('../release/api-access.js'),
    import('../prefect/api-client.js'),
  ]);
  const ref = {
    namespace: release.namespace,
    release: release.name,
    kubeconfig: cluster.kubeconfig,
    context: cluster.context,
  };
  return withApiAccess(
    undefined,
    ref,
    3000,
    async (access) =>
      (
        await new PrefectApi(access.apiUrl, {
          budgetMs: 1500,
          signal: access.signal,
        }).listTenants()
      ).length,
  ).catch((error: unknown) => {
    // Ctrl-C ends status as it ends every command; anything else only leaves the count unknown.
    if (error instanceof InterruptedError) throw error;
    return undefined;
  });
}

export function describeStatus(status: ReleaseStatus): string[] {
  const r = status.release;
  const lines = [
    `release   ${r.name} in ${r.namespace}: ${r.status}, revision ${r.revision}, chart ${r.chart}, app ${r.appVersion}, deployed ${r.lastDeployed}`,
    'components',
    ...status.components.map(
      (c) =>
        `  ${c.ready >= c.desired ? '✓' : '✗'} ${c.component.padEnd(14)} ${c.ready}/${c.desired} ready (${c.kind})`,
    ),
    'exposure',
    ...status.exposure.map(
      (e) =>
        `  ${e.component === 'apollo' ? 'API' : 'UI '}  ${e.type.padEnd(12)} ${e.url ?? '-'}  (${e.note})`,
    ),
    `database  ${status.database.mode === 'bundled' ? `bundled PostgreSQL, ${status.database.persistence ? `persistent volume ${status.database.size ?? ''}`.trim() : 'no volume'}${describeBundled(status.database)}` : `external ${status.database.host ?? '?'}:${status.database.port ?? 5432}`}`,
    `agent     ${status.agent ? 'on' : 'off'}`,
    `tenants   ${status.tenants ?? `unknown: the API did not answer (prefect-server doctor -n ${status.release.namespace} says why)`}`,
  ];
  return lines;
}

function describeBundled(db: Extract<ReleaseStatus['database'], { mode: 'bundled' }>): string {
  const parts = [
    db.statefulSet
      ? `StatefulSet ${db.statefulSet.name} ${db.statefulSet.ready}/${db.statefulSet.desired} ready`
      : 'no database StatefulSet found',
    ...(db.secret
      ? [
          `password in Secret ${db.secret.name} key ${db.secret.key}${db.secret.found ? '' : ' (MISSING: prefect-server doctor says how to fix it)'}`,
        ]
      : []),
  ];
  return `; ${parts.join(', ')}`;
}
