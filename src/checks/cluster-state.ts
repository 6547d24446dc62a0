// What doctor reads from the cluster, gathered once and shared by every check: one list request
// per namespaced kind of the release, all at once over the API client's one connection (the API
// server filters by the release's label, so 300 unrelated pods in the namespace cost nothing),
// and one per class kind of the cluster.
import { componentLabel, instanceSelector } from '../release/labels.js';
import { type KubeApi, KubeApiError, selectorQuery } from '../tools/kube-api.js';
import type {
  ClassObject,
  Ingress,
  KubeObject,
  ObjectMeta,
  Pod,
  Service,
  Workload,
} from '../tools/kube-objects.js';

/** The release's objects, as one list per kind. */
export interface ReleaseObjects {
  workloads: Workload[];
  pods: Pod[];
  services: Service[];
  ingresses: Ingress[];
  /** Kinds the user may not list (their checks say so instead of guessing). */
  forbidden: string[];
}

export interface ClusterClasses {
  ingressClasses: ClassObject[] | undefined;
  storageClasses: ClassObject[] | undefined;
}

/** A kind's list, its plural as RBAC and messages name it, and the kind its items are. */
interface ListedKind {
  plural: string;
  kind: string;
  apiVersion: string;
  /** The collection's path, `{ns}` standing for the namespace. */
  path: string;
}

const releaseKinds: readonly ListedKind[] = [
  {
    plural: 'deployments',
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    path: '/apis/apps/v1/namespaces/{ns}/deployments',
  },
  {
    plural: 'statefulsets',
    kind: 'StatefulSet',
    apiVersion: 'apps/v1',
    path: '/apis/apps/v1/namespaces/{ns}/statefulsets',
  },
  { plural: 'pods', kind: 'Pod', apiVersion: 'v1', path: '/api/v1/namespaces/{ns}/pods' },
  {
    plural: 'services',
    kind: 'Service',
    apiVersion: 'v1',
    path: '/api/v1/namespaces/{ns}/services',
  },
  {
    plural: 'ingresses',
    kind: 'Ingress',
    apiVersion: 'networking.k8s.io/v1',
    path: '/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses',
  },
];

/**
 * A list's items with their kind and apiVersion filled in (a list answer leaves them out of each
 * item; kubectl puts them back, and the checks read them). `undefined`: the API is not served.
 */
async function listItems<T extends KubeObject>(
  api: KubeApi,
  kind: ListedKind,
  query: string,
  namespace = '',
): Promise<T[] | undefined> {
  const list = await api.get<{ items?: T[] }>(`${kind.path.replace('{ns}', namespace)}${query}`, {
    timeoutMs: 20_000,
  });
  if (list === undefined) return undefined;
  return (list.items ?? []).map((item) => ({
    ...item,
    kind: kind.kind,
    apiVersion: kind.apiVersion,
  }));
}

/**
 * Every namespaced object of the release, one list request per kind, all at once. A kind the
 * user may not list is named in `forbidden` and the others are still known; any other refusal
 * is thrown.
 */
export async function fetchReleaseObjects(
  api: KubeApi,
  namespace: string,
  release: string,
): Promise<ReleaseObjects> {
  const query = selectorQuery(instanceSelector(release));
  const results = await Promise.all(
    releaseKinds.map((kind) =>
      listItems(api, kind, query, namespace).then(
        (items) => ({ kind, items: items ?? [] }),
        (error: unknown) => ({ kind, error }),
      ),
    ),
  );
  const objects: ReleaseObjects = {
    workloads: [],
    pods: [],
    services: [],
    ingresses: [],
    forbidden: [],
  };
  for (const result of results) {
    if ('error' in result) {
      const { error } = result;
      if (error instanceof KubeApiError && error.status === 403)
        objects.forbidden.push(result.kind.plural);
      else
        throw new Error(
          `cannot list ${result.kind.plural}: ${error instanceof Error ? error.message : String(error)}`,
        );
      continue;
    }
    const items = result.items as never[];
    if (result.kind.kind === 'Deployment' || result.kind.kind === 'StatefulSet')
      objects.workloads.push(...items);
    else if (result.kind.kind === 'Pod') objects.pods.push(...items);
    else if (result.kind.kind === 'Service') objects.services.push(...items);
    else objects.ingresses.push(...items);
  }
  return objects;
}

const classKinds = {
  ingress: {
    plural: 'ingressclasses',
    kind: 'IngressClass',
    apiVersion: 'networking.k8s.io/v1',
    path: '/apis/networking.k8s.io/v1/ingressclasses',
  },
  storage: {
    plural: 'storageclasses',
    kind: 'StorageClass',
    apiVersion: 'storage.k8s.io/v1',
    path: '/apis/storage.k8s.io/v1/storageclasses',
  },
} as const;

/** IngressClasses and StorageClasses (cluster-wide); undefined for a kind the user may not list. */
/**
 * The cluster's IngressClasses and StorageClasses, for install's preflight and doctor alike. Only a
 * refusal (403) means "you may not list them" (undefined); a cluster without the API has none; any
 * other failure is the check's to report.
 */
export async function fetchClusterClasses(api: KubeApi): Promise<ClusterClasses> {
  const list = (kind: ListedKind) =>
    listItems<ClassObject>(api, kind, '')
      .then((items) => items ?? [])
      .catch((error: unknown) => {
        if (error instanceof KubeApiError && error.status === 403) return undefined;
        throw error;
      });
  const [ingressClasses, storageClasses] = await Promise.all([
    list(classKinds.ingress),
    list(classKinds.storage),
  ]);
  return { ingressClasses, storageClasses };
}

export function componentOf(object: { metadata: ObjectMeta }): string | undefined {
  return object.metadata.labels?.[componentLabel];
}

/** The object of a component (the chart makes one Deployment/StatefulSet/Service per component). */
export function byComponent<T extends { metadata: ObjectMeta }>(
  items: readonly T[],
  component: string,
): T | undefined {
  return items.find((i) => componentOf(i) === component);
}

/** The class marked as the cluster's default, if any. */
export function defaultClass(classes: readonly ClassObject[]): ClassObject | undefined {
  return classes.find(
    (c) =>
      c.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true' ||
      c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true',
  );
}

/** Seconds since an object was created, relative to `now`. */
export function ageSeconds(meta: ObjectMeta, now: Date): number {
  const created = meta.creationTimestamp ? Date.parse(meta.creationTimestamp) : Number.NaN;
  return Number.isNaN(created) ? 0 : Math.max(0, Math.round((now.getTime() - created) / 1000));
}

export function describeAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}
