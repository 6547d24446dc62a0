// What doctor reads from the cluster, gathered once and shared by every check: one kubectl call
// lists every namespaced kind of the release (the API server filters by the release's label, so
// 300 unrelated pods in the namespace cost nothing), one more lists the cluster's classes.
import type { Pod } from '../release/workload-status.js';
import type { Kubectl } from '../tools/kubectl.js';
import { stderrReason } from '../tools/run-tool.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

export interface Container {
  name: string;
  image?: string;
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
}

export interface PodTemplateSpec {
  spec: {
    containers: Container[];
    initContainers?: Container[];
    serviceAccountName?: string;
  };
}

export interface Workload {
  kind: 'Deployment' | 'StatefulSet';
  metadata: ObjectMeta;
  spec: { replicas?: number; template: PodTemplateSpec };
  status?: { readyReplicas?: number; availableReplicas?: number };
}

export interface LoadBalancerStatus {
  ingress?: { ip?: string; hostname?: string }[];
}

export interface Service {
  kind: 'Service';
  metadata: ObjectMeta;
  spec: {
    type?: string;
    ports?: { name?: string; port: number; targetPort?: number | string }[];
  };
  status?: { loadBalancer?: LoadBalancerStatus };
}

export interface Ingress {
  kind: 'Ingress';
  metadata: ObjectMeta;
  spec: {
    ingressClassName?: string;
    tls?: { hosts?: string[]; secretName?: string }[];
    rules?: {
      host?: string;
      http?: { paths?: { path?: string; backend?: { service?: { name: string } } }[] };
    }[];
  };
  status?: { loadBalancer?: LoadBalancerStatus };
}

export interface ClassObject {
  kind: 'IngressClass' | 'StorageClass';
  metadata: ObjectMeta;
}

export type PodObject = Pod & { kind: 'Pod'; metadata: ObjectMeta; spec?: { nodeName?: string } };

/** The release's objects, as one list per kind. */
export interface ReleaseObjects {
  workloads: Workload[];
  pods: PodObject[];
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

export const instanceLabel = 'app.kubernetes.io/instance';
export const componentLabel = 'app.kubernetes.io/component';

interface AnyObject {
  kind: string;
  metadata: ObjectMeta;
}

function sortObjects(items: AnyObject[]): ReleaseObjects {
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
    else if (item.kind === 'Pod') objects.pods.push(item as PodObject);
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
  const selector = `${instanceLabel}=${release}`;
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
    return sortObjects((JSON.parse(all.stdout) as { items: AnyObject[] }).items);
  const results = await Promise.all(
    releaseKinds.map(async (kind) => ({
      kind,
      result: await kubectl.run(args([kind]), { allowFailure: true, timeoutMs: 20_000 }),
    })),
  );
  const items: AnyObject[] = [];
  const forbidden: string[] = [];
  for (const { kind, result } of results) {
    if (result.exitCode === 0)
      items.push(...(JSON.parse(result.stdout) as { items: AnyObject[] }).items);
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
