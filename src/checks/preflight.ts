// Install's preflight: everything that would make `helm install` fail half-way, checked before
// anything is created. The reachability check runs first (nothing else can answer without it);
// the rest run concurrently.
import type { InstallPlan } from '../plan/install-plan.js';
import { targetLine } from '../release/release-flags.js';
import {
  type ReleaseRecord,
  releaseRecords,
  unfinishedInstall,
} from '../release/release-records.js';
import type { Helm } from '../tools/helm.js';
import { canI, type KubeApi, kubeApiFor } from '../tools/kube-api.js';
import type { KubeList, NamedObject } from '../tools/kube-objects.js';
import type { Kubectl } from '../tools/kubectl.js';
import { type Check, type CheckOutcome, fail, pass, runChecks, warn } from '../ui/check.js';
import { passwordSecretKeys, valuesEraFor } from '../values/values-era.js';

export interface PreflightContext {
  plan: InstallPlan;
  kubectl: Kubectl;
  helm: Helm;
  /** --adopt: an existing release of the same name is upgraded instead of refused */
  adopt: boolean;
  /** The release's records when the caller already asked for them */
  release?: Promise<ReleaseRecord[]>;
}

/** What several checks ask for is fetched once and shared (see runPreflight). */
interface Lookups {
  api: KubeApi;
  namespaceExists: Promise<boolean>;
  release: Promise<ReleaseRecord[]>;
}

type PreflightRun = PreflightContext & Lookups;

export const clusterReachable: Check<PreflightContext> = {
  id: 'cluster-reachable',
  category: 'cluster',
  title: 'the cluster answers',
  async run({ kubectl, plan }) {
    let reason = 'no answer';
    try {
      const version = await kubeApiFor(kubectl).get<{ gitVersion?: string }>('/version');
      if (version?.gitVersion) return pass(`Kubernetes ${version.gitVersion}`);
    } catch (error) {
      reason = (error as Error).message;
    }
    const where = await kubectl.describeTarget();
    if (where.kubeconfigMissing) {
      return fail(
        `${where.description}`,
        'Point KUBECONFIG (or --kubeconfig) at your cluster’s kubeconfig file.',
      );
    }
    return fail(
      `cannot reach ${where.description}: ${reason}`,
      `Check the cluster and your kubeconfig: kubectl cluster-info${plan.cluster.context ? ` --context ${plan.cluster.context}` : ''}   (another context: --context NAME)`,
    );
  },
};

const helmVersion: Check<PreflightContext> = {
  id: 'helm-version',
  category: 'tools',
  title: 'helm is recent enough',
  async run({ helm }) {
    const [major, minor] = helm.version.replace(/^v/, '').split('.').map(Number);
    if (major === 4 || (major === 3 && (minor ?? 0) >= 8)) return pass(`helm ${helm.version}`);
    return fail(
      `helm ${helm.version} is too old`,
      'Install helm 3.8 or newer, or helm 4: https://helm.sh/docs/intro/install/',
    );
  },
};

const namespaceReady: Check<PreflightRun> = {
  id: 'namespace',
  category: 'cluster',
  title: 'the namespace exists or may be created',
  async run({ api, plan, namespaceExists }) {
    if (await namespaceExists) return pass(`namespace ${plan.namespace} exists`);
    if (!plan.createNamespace) {
      return fail(
        `namespace ${plan.namespace} does not exist`,
        'Add --create-namespace to create it, or choose another with --namespace.',
        true,
      );
    }
    if (await canI(api, 'create', 'namespaces', undefined))
      return pass(`namespace ${plan.namespace} will be created`);
    return fail(
      `you may not create namespace ${plan.namespace}`,
      'Ask a cluster admin to create it, or choose an existing one with --namespace.',
    );
  },
};

/** Every kind the chart creates for this plan, as `kubectl auth can-i` resources. */
export function resourcesTheChartCreates(plan: InstallPlan): string[] {
  const kinds = ['deployments.apps', 'services', 'secrets', 'configmaps', 'serviceaccounts'];
  if (plan.database.mode === 'bundled') kinds.push('statefulsets.apps');
  if (plan.agent.enabled)
    kinds.push('roles.rbac.authorization.k8s.io', 'rolebindings.rbac.authorization.k8s.io');
  if (plan.tenant.create) kinds.push('jobs.batch');
  if (plan.exposure.mode === 'ingress') kinds.push('ingresses.networking.k8s.io');
  return kinds;
}

const permissions: Check<PreflightRun> = {
  id: 'permissions',
  category: 'permissions',
  title: 'you may create everything the chart creates',
  async run({ api, plan, namespaceExists }) {
    // In a namespace that does not exist yet, RBAC can only be judged cluster-wide.
    const scope = (await namespaceExists) ? plan.namespace : undefined;
    const resources = resourcesTheChartCreates(plan);
    const answers = await Promise.all(
      resources.map(async (r) => [r, await canI(api, 'create', r, scope)] as const),
    );
    const denied = answers.filter(([, allowed]) => !allowed).map(([r]) => r);
    if (denied.length === 0)
      return pass(`may create ${resources.length} kinds of object in ${plan.namespace}`);
    return fail(
      `you may not create ${denied.join(', ')} in namespace ${plan.namespace}`,
      `Ask a cluster admin for the "admin" role there: kubectl create rolebinding prefect-admin --clusterrole=admin --user=YOU -n ${plan.namespace}`,
    );
  },
};

const releaseNameFree: Check<PreflightRun> = {
  id: 'release-name',
  category: 'release',
  title: 'the release name is free',
  async run({ plan, adopt, release }) {
    const records = await release.catch(() => []);
    const existing = records.at(-1);
    if (!existing) return pass(`no release named ${plan.release} in ${plan.namespace}`);
    const unfinished = unfinishedInstall(records);
    if (unfinished) return pass(`the unfinished install (${unfinished}) will be replaced`);
    if (adopt)
      return pass(`release ${plan.release} (${existing.status}) will be upgraded (--adopt)`);
    return fail(
      `release ${plan.release} already exists in ${plan.namespace} (status ${existing.status}, chart ${existing.chart})`,
      `Change it with: prefect-server upgrade ${targetLine({ namespace: plan.namespace, release: plan.release, ...plan.cluster }, { alwaysRelease: true })}   (or pass --adopt, or choose another --release)`,
      true,
    );
  },
};

function defaultOf(items: NamedObject[]): string | undefined {
  return items.find(
    (i) =>
      i.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ||
      i.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true',
  )?.metadata.name;
}

/** A StorageClass or IngressClass the plan names must exist; without a name, a default should. */
async function classExists(
  api: KubeApi,
  kind: 'StorageClass' | 'IngressClass',
  wanted: string | undefined,
  hints: { flag: string; missing: string; noDefault: string },
) {
  const path =
    kind === 'StorageClass'
      ? '/apis/storage.k8s.io/v1/storageclasses'
      : '/apis/networking.k8s.io/v1/ingressclasses';
  const classes = (await api.get<KubeList<NamedObject>>(path))?.items ?? [];
  const names = classes.map((c) => c.metadata.name);
  if (wanted) {
    return names.includes(wanted)
      ? pass(`${kind} ${wanted} exists`)
      : fail(
          `${kind} ${wanted} does not exist (the cluster has: ${names.join(', ') || 'none'})`,
          hints.missing,
          true,
        );
  }
  const fallback = defaultOf(classes);
  return fallback
    ? pass(`the default ${kind} ${fallback} will be used`)
    : warn(hints.noDefault, `Name one with ${hints.flag}.`);
}

const storageClass: Check<PreflightRun> = {
  id: 'storage-class',
  category: 'cluster',
  title: 'the database volume can be provisioned',
  async run({ api, plan }) {
    if (plan.database.mode !== 'bundled' || !plan.database.persistence.enabled)
      return pass('no volume needed');
    return classExists(api, 'StorageClass', plan.database.persistence.storageClass, {
      flag: '--db-storage-class',
      missing: 'Choose one with --db-storage-class.',
      noDefault: 'the cluster has no default StorageClass: the volume claim may stay Pending',
    });
  },
};

const ingressClass: Check<PreflightRun> = {
  id: 'ingress-class',
  category: 'cluster',
  title: 'the IngressClass exists',
  async run({ api, plan }) {
    if (plan.exposure.mode !== 'ingress') return pass('no Ingress');
    return classExists(api, 'IngressClass', plan.exposure.ingressClass, {
      flag: '--ingress-class',
      missing: 'Choose one with --ingress-class, or install an ingress controller first.',
      noDefault: 'the cluster has no default IngressClass: nothing may serve the Ingresses',
    });
  },
};

const databaseSecret: Check<PreflightRun> = {
  id: 'database-secret',
  category: 'database',
  title: 'the database password Secret holds the password',
  async run({ api, plan }) {
    if (plan.database.mode !== 'external' || plan.database.password.source !== 'existing-secret') {
      return pass('no existing Secret to check');
    }
    const name = plan.database.password.secretName;
    // The key the target chart reads (postgresql-password up to 2022.04.14, postgres-password
    // from 2022.09.07; either for our chart).
    const keys = passwordSecretKeys(valuesEraFor(plan.chart));
    const key = keys[0] as string;
    const found = await api.get<{ data?: Record<string, string> }>(
      `/api/v1/namespaces/${plan.namespace}/secrets/${name}`,
    );
    if (!found) {
      return fail(
        `Secret ${name} does not exist in ${plan.namespace}`,
        `Create it without putting the password in your shell history: kubectl create secret generic ${name} -n ${plan.namespace} --from-file=${key}=/path/to/password-file`,
        true,
      );
    }
    const data = found.data ?? {};
    const held = keys.find((k) => k in data);
    if (held === undefined) {
      const chart =
        plan.chart.source === 'repo' ? `chart ${plan.chart.version ?? '(latest)'}` : 'the chart';
      return fail(
        `Secret ${name} has no key ${keys.join(' or ')} (it has: ${Object.keys(data).join(', ') || 'no keys'})`,
        `${chart} reads the password from the key ${key}; add it to the Secret.`,
        true,
      );
    }
    return pass(`Secret ${name} holds ${held}`);
  },
};

const pullSecrets: Check<PreflightRun> = {
  id: 'image-pull-secrets',
  category: 'cluster',
  title: 'image pull Secrets exist',
  async run({ api, plan }) {
    if (plan.imagePullSecrets.length === 0) return pass('none used');
    const found = await Promise.all(
      plan.imagePullSecrets.map((name) =>
        api.get(`/api/v1/namespaces/${plan.namespace}/secrets/${name}`),
      ),
    );
    const missing = plan.imagePullSecrets.filter((_, i) => found[i] === undefined);
    return missing.length === 0
      ? pass(`${plan.imagePullSecrets.length} found`)
      : warn(
          `image pull Secret ${missing.join(', ')} not found in ${plan.namespace}: pods may fail with ImagePullBackOff`,
          'Create it with kubectl create secret docker-registry ...',
        );
  },
};

export const preflightChecks: Check<PreflightRun>[] = [
  helmVersion,
  namespaceReady,
  permissions,
  releaseNameFree,
  storageClass,
  ingressClass,
  databaseSecret,
  pullSecrets,
];

/** Reachability first, then everything else at once. */
export async function runPreflight(context: PreflightContext): Promise<CheckOutcome[]> {
  const [reachable] = await runChecks([clusterReachable], context);
  if (!reachable || reachable.status === 'fail') return reachable ? [reachable] : [];
  return [reachable, ...(await runChecks(preflightChecks, withLookups(context)))];
}

/** The namespace and the release's records, fetched once however many checks ask. */
export function withLookups(context: PreflightContext): PreflightRun {
  const { plan, kubectl, helm } = context;
  const api = kubeApiFor(kubectl);
  const namespaceExists = api
    .get(`/api/v1/namespaces/${plan.namespace}`)
    .then((found) => found !== undefined);
  const release = context.release ?? releaseRecords(api, helm, plan.namespace, plan.release);
  // A check that does not ask must not leave an unhandled rejection behind.
  namespaceExists.catch(() => undefined);
  release.catch(() => undefined);
  return { ...context, api, namespaceExists, release };
}
