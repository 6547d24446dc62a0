// The Kubernetes objects this program reads, declared once: only the fields the code reads, and
// optional wherever the API may leave a field out (list items carry no `kind`, a Service may have
// no ports, an object no labels). Readers in tools/ and every layer above import these.

export interface KubeList<T> {
  items: T[];
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

/** Any object, by kind and name (a manifest document, a list item of a mixed `kubectl get`). */
export interface KubeObject {
  kind: string;
  metadata: ObjectMeta;
}

/** An object read only for its name, labels or annotations (namespaces, classes, claims...). */
export interface NamedObject {
  metadata: ObjectMeta;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
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
  resources?: { limits?: { memory?: string } };
}

export interface PodTemplateSpec {
  spec: {
    containers: Container[];
    initContainers?: Container[];
    serviceAccountName?: string;
    volumes?: {
      name: string;
      emptyDir?: Record<string, unknown>;
      persistentVolumeClaim?: { claimName: string };
    }[];
  };
}

export interface StorageRequest {
  resources?: { requests?: { storage?: string } };
}

/** A Deployment or a StatefulSet (the API requires a pod template for both). */
export interface Workload {
  kind: 'Deployment' | 'StatefulSet';
  metadata: ObjectMeta;
  spec: {
    replicas?: number;
    template: PodTemplateSpec;
    volumeClaimTemplates?: { metadata: ObjectMeta; spec: StorageRequest }[];
  };
  status?: { readyReplicas?: number; availableReplicas?: number };
}

export interface ContainerTerminated {
  reason?: string;
  exitCode?: number;
  finishedAt?: string;
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  state?: {
    waiting?: { reason?: string; message?: string };
    terminated?: ContainerTerminated;
  };
  lastState?: { terminated?: ContainerTerminated };
}

export interface Pod {
  kind?: 'Pod';
  metadata: ObjectMeta;
  spec?: { nodeName?: string; containers?: Container[] };
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface LoadBalancerStatus {
  ingress?: { ip?: string; hostname?: string }[];
}

export interface Service {
  kind?: 'Service';
  metadata: ObjectMeta;
  spec: {
    type?: string;
    ports?: { name?: string; port: number; targetPort?: number | string }[];
  };
  status?: { loadBalancer?: LoadBalancerStatus };
}

export interface Ingress {
  kind?: 'Ingress';
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

/** An IngressClass or a StorageClass (as a mixed list item, with its kind). */
export interface ClassObject {
  kind: 'IngressClass' | 'StorageClass';
  metadata: ObjectMeta;
}

export interface PersistentVolumeClaim {
  kind?: 'PersistentVolumeClaim';
  metadata: ObjectMeta;
  spec: StorageRequest & { storageClassName?: string };
  status?: { phase?: string };
}

export interface Secret {
  metadata: ObjectMeta;
  data?: Record<string, string>;
}
