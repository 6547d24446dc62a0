// What doctor reads from the cluster, gathered once and shared by every check: one kubectl call
// lists every namespaced kind of the release (the API server filters by the release's label, so
// 300 unrelated pods in the namespace cost nothing), one more lists the cluster's classes.
import { componentLabel, instanceSelector } from '../release/labels.js';
import type {
  ClassObject,
  Ingress,
  KubeObject,
  ObjectMeta,
  Pod,
  Service,
  Workload,
} from '../tools/kube-objects.js';
import type { Kubectl } from '../tools/kubectl.js';
import { stderrReason } from '../tools/run-tool.js';

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

const releaseKinds = [
  'deployments.apps',
  'statefulsets.apps',
  'pods',
  'services',
  'ingresses.networking.k8s.io',
] as const;

function sortObjects(items: KubeObject[]): ReleaseObjects {
  const objects: ReleaseObjects = {
    workloads: [],
    pods: [],
    services: [],
    ingresses: [],
    forbidden: [],
  };
  for (const item of items) {
    if (item.kind === 'Deployment' || item.kind === 'StatefulSet')
      objects.workloads.push(item as Workload);
    else if (item.kind === 'Pod') objects.pods.push(item as Pod);
    else if (item.kind === 'Service') objects.services.push(item as Service);
    else if (item.kind === 'Ingress') objects.ingresses.push(item as Ingress);
  }
  return objects;
}

/**
 * Every namespaced object of the release in one kubectl call. When that call fails (one kind is
 * forbidden), each kind is listed on its own so the others are still known.
 */
export async function fetchReleaseObjects(
  kubectl: Kubectl,
  namespace: string,
  release: string,
): Promise<ReleaseObjects> {
  const selector = instanceSelector(release);
  const args = (kinds: readonly string[]) => [
    'get',
    kinds.join(','),
    '--namespace',
    namespace,
    '--selector',
    selector,
    '--output',
    'json',
    '--request-timeout',
    '10s',
  ];
  const all = await kubectl.run(args(releaseKinds), { allowFailure: true, timeoutMs: 20_000 });
  if (all.exitCode === 0)
    return sortObjects((JSON.parse(all.stdout) as { items: KubeObject[] }).items);
  const results = await Promise.all(
    releaseKinds.map(async (kind) => ({
      kind,
      result: await kubectl.run(args([kind]), { allowFailure: true, timeoutMs: 20_000 }),
    })),
  );
  const items: KubeObject[] = [];
  const forbidden: string[] = [];
  for (const { kind, result } of results) {
    if (result.exitCode === 0)
      items.push(...(JSON.parse(result.stdout) as { items: KubeObject[] }).items);
    else if (/forbidden/i.test(result.stderr)) forbidden.push(kind.split('.')[0] ?? kind);
    else throw new Error(`kubectl get ${kind}: ${stderrReason(result.stderr) ?? ''}`);
  }
  return { ...sortObjects(items), forbidden };
}

/** IngressClasses and StorageClasses (cluster-wide); undefined for a kind the user may not list. */
export async function fetchClusterClasses(kubectl: Kubectl): Promise<ClusterClasses> {
  const list = async (kind: string) => {
    const result = await kubectl.run(
      ['get', kind, '--output', 'json', '--request-timeout', '10s'],
      { allowFailure: true, timeoutMs: 20_000 },
    );
    if (result.exitCode !== 0) return undefined;
    return (JSON.parse(result.stdout) as { items: ClassObject[] }).items;
  };
  const both = await kubectl.run(
    [
      'get',
      'ingressclasses.networking.k8s.io,storageclasses.storage.k8s.io',
      '--output',
      'json',
      '--request-timeout',
      '10s',
    ],
    { allowFailure: true, timeoutMs: 20_000 },
  );
  if (both.exitCode === 0) {
    const items = (JSON.parse(both.stdout) as { items: ClassObject[] }).items;
    return {
      ingressClasses: items.filter((i) => i.kind === 'IngressClass'),
      storageClasses: items.filter((i) => i.kind === 'StorageClass'),
    };
  }
  const [ingressClasses, storageClasses] = await Promise.all([
    list('ingressclasses.networking.k8s.io'),
    list('storageclasses.storage.k8s.io'),
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
