// The cluster: the kube context, the API server (reachable, a version the chart supports), the
// namespace, and the classes an install needs. reachable, namespace and the two class checks are
// shared: install's preflight runs them over its plan, doctor over what it finds.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { bundledChartPath } from '../release/chart-source.js';
import type { ClassObject } from '../tools/kube-objects.js';
import { kubeconfigContext } from '../tools/kubeconfig.js';
import { type CheckResult, fail, pass, warn } from '../ui/check.js';
import { compareVersions } from '../values/values-era.js';
import type { FactCheck } from './check-facts.js';
import { defaultClass } from './cluster-state.js';
import { CannotRun } from './context.js';
import type { DoctorCheck } from './doctor-check.js';
import { forDoctor } from './doctor-facts.js';

/** The chart shipped with this package (beside dist/ when installed, beside src/ in the repo). */
export const bundledChartDir = bundledChartPath;

export function bundledChart(): { version: string; appVersion: string; kubeVersion: string } {
  return parse(readFileSync(`${bundledChartDir}/Chart.yaml`, 'utf8'));
}

/**
 * Whether a Kubernetes version satisfies a chart's `kubeVersion` constraint: comparisons such as
 * ">=1.23.0-0" or ">=1.23.0-0 <1.40.0", joined by spaces or commas (all must hold).
 */
export function satisfiesKubeVersion(constraint: string, version: string): boolean {
  const terms = constraint
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean);
  return terms.every((term) => {
    const match = term.match(/^(>=|<=|>|<|=|==|!=)?v?(.+)$/);
    if (!match) return true;
    const [, operator = '=', wanted = ''] = match;
    const order = compareVersions(version, wanted);
    switch (operator) {
      case '>=':
        return order >= 0;
      case '>':
        return order > 0;
      case '<=':
        return order <= 0;
      case '<':
        return order < 0;
      case '!=':
        return order !== 0;
      default:
        return order === 0;
    }
  });
}

const contextCheck: DoctorCheck = {
  id: 'cluster-context',
  category: 'cluster',
  title: 'the kube context resolves',
  async run(ctx) {
    const kubectl = await ctx.kubectl().catch((error: unknown) => {
      throw new CannotRun(`skipped: ${error instanceof Error ? error.message : String(error)}`);
    });
    // The kubeconfig is read from Node (tools/kubeconfig.ts), as `kubectl config view --minify`.
    const found = kubeconfigContext(kubectl.clusterRef(), ctx.options.env);
    const named = ctx.options.context;
    if ('error' in found) {
      const reason = found.error;
      return fail(
        named
          ? `context ${named} is not in the kubeconfig (${reason})`
          : `no current context: ${reason}`,
        named
          ? 'List the contexts with: kubectl config get-contexts'
          : 'Choose one with: kubectl config use-context NAME   (or pass --context NAME)',
        Boolean(named),
      );
    }
    return pass(`context ${found.name}${found.cluster ? `, cluster ${found.cluster}` : ''}`);
  },
};

/**
 * Whether the API server answers, asked first by install's preflight and by doctor. Where it was
 * looked for is the facts' own words: install names the context and its server (from the
 * kubeconfig), doctor "the API server".
 */
export const reachableCheck: FactCheck = {
  id: 'cluster-reachable',
  category: 'cluster',
  title: 'the cluster answers',
  async run(ctx) {
    const answer = await ctx.server();
    if (!('reason' in answer)) return pass(`Kubernetes ${answer.version}`);
    if (answer.kubeconfigMissing) {
      return fail(
        answer.where,
        'Point KUBECONFIG (or --kubeconfig) at your cluster’s kubeconfig file.',
      );
    }
    const context = ctx.contextFlag ? ` --context ${ctx.contextFlag}` : '';
    return fail(
      `cannot reach ${answer.where}: ${answer.reason}`,
      `Check the cluster and your credentials: kubectl cluster-info${context}`,
    );
  },
};

export function kubeVersionSupport(constraint: string, server: string): CheckResult {
  if (satisfiesKubeVersion(constraint, server))
    return pass(`Kubernetes ${server} satisfies the chart's kubeVersion ${constraint}`);
  return fail(
    `Kubernetes ${server} is older than the chart supports (${constraint})`,
    'Upgrade the cluster, or use a cluster that satisfies the constraint.',
  );
}

const serverVersionCheck: DoctorCheck = {
  id: 'cluster-version',
  category: 'cluster',
  title: 'the chart supports the cluster version',
  async run(ctx) {
    const server = await ctx.reachable();
    return kubeVersionSupport(bundledChart().kubeVersion, server);
  },
};

/**
 * The namespace: it exists; or, for install, it is to be created (--create-namespace) and the user
 * may; before an install without a plan (doctor --pre) its absence only warns; for an installed
 * release it is bad input (the wrong -n).
 */
export const namespaceCheck: FactCheck = {
  id: 'cluster-namespace',
  category: 'cluster',
  title: 'the namespace exists',
  async run(ctx) {
    if (await ctx.namespaceExists()) return pass(`namespace ${ctx.namespace} exists`);
    if (ctx.plan) {
      if (!ctx.plan.createNamespace) {
        return fail(
          `namespace ${ctx.namespace} does not exist`,
          'Add --create-namespace to create it, or choose another with --namespace.',
          true,
        );
      }
      const allowed = await ctx.access([{ verb: 'create', resource: 'namespaces' }]);
      if (allowed.get('create namespaces') === true)
        return pass(`namespace ${ctx.namespace} will be created`);
      return fail(
        `you may not create namespace ${ctx.namespace}`,
        'Ask a cluster admin to create it, or choose an existing one with --namespace.',
      );
    }
    if (ctx.beforeInstall) {
      return warn(
        `namespace ${ctx.namespace} does not exist yet`,
        `install creates it with --create-namespace: prefect-server install -n ${ctx.namespace} --create-namespace`,
      );
    }
    return fail(
      `namespace ${ctx.namespace} does not exist`,
      'Name the namespace of the release with -n NAMESPACE (list them: helm list --all-namespaces).',
      true,
    );
  },
};

const names = (classes: readonly ClassObject[]) => classes.map((c) => c.metadata.name);

/**
 * The StorageClass a database volume gets, judged once: one the plan names must exist (bad input
 * when not); otherwise the cluster's default is used, and without one the claim may stay Pending.
 */
export function judgeStorageClass(
  classes: readonly ClassObject[],
  wanted: string | undefined,
): CheckResult {
  const all = names(classes);
  if (wanted) {
    return all.includes(wanted)
      ? pass(`StorageClass ${wanted} exists`)
      : fail(
          `StorageClass ${wanted} does not exist (the cluster has: ${all.join(', ') || 'none'})`,
          'Choose one with --db-storage-class.',
          true,
        );
  }
  const fallback = defaultClass(classes);
  if (fallback) return pass(`the default StorageClass is ${fallback.metadata.name}`);
  return warn(
    all.length === 0
      ? 'the cluster has no StorageClass: a persisted database volume would stay Pending'
      : `no default StorageClass (the cluster has: ${all.join(', ')})`,
    all.length === 0
      ? 'Install without --db-persistence, or use an external database (--database external).'
      : `Name one at install: --db-storage-class ${all[0]}`,
  );
}

/**
 * The IngressClass the Ingresses get. For an install with Ingresses: one it names must exist (bad
 * input when not), otherwise only a default class serves them. Without a plan (doctor --pre): any
 * class will do, as install can name one.
 */
export function judgeIngressClass(
  classes: readonly ClassObject[],
  plan: { wanted: string | undefined } | undefined,
): CheckResult {
  const all = names(classes);
  if (plan?.wanted) {
    return all.includes(plan.wanted)
      ? pass(`IngressClass ${plan.wanted} exists`)
      : fail(
          `IngressClass ${plan.wanted} does not exist (the cluster has: ${all.join(', ') || 'none'})`,
          'Choose one with --ingress-class, or install an ingress controller first.',
          true,
        );
  }
  if (all.length === 0) {
    return warn(
      'the cluster has no IngressClass: --expose ingress would publish nothing',
      'Install an ingress controller first, or reach the server with prefect-server connect (--expose port-forward).',
    );
  }
  const fallback = defaultClass(classes);
  if (plan) {
    return fallback
      ? pass(`the default IngressClass is ${fallback.metadata.name}`)
      : warn(
          `no default IngressClass (the cluster has: ${all.join(', ')}): nothing may serve the Ingresses`,
          `Name one with --ingress-class ${all[0]}`,
        );
  }
  return pass(
    `IngressClasses: ${all.join(', ')}${fallback ? ` (default ${fallback.metadata.name})` : ''}`,
  );
}

export const storageClassCheck: FactCheck = {
  id: 'cluster-storage-class',
  category: 'cluster',
  title: 'a StorageClass can hold the database volume',
  async run(ctx) {
    const database = ctx.plan?.database;
    if (database && (database.mode !== 'bundled' || !database.persistence.enabled))
      return pass('no volume needed');
    const { storageClasses } = await ctx.classes();
    if (!storageClasses) throw new CannotRun('cannot run: you may not list StorageClasses');
    const wanted =
      database?.mode === 'bundled' && database.persistence.enabled
        ? database.persistence.storageClass
        : undefined;
    return judgeStorageClass(storageClasses, wanted);
  },
};

export const ingressClassCheck: FactCheck = {
  id: 'cluster-ingress-class',
  category: 'cluster',
  title: 'an IngressClass can publish the API and UI',
  async run(ctx) {
    const exposure = ctx.plan?.exposure;
    if (exposure && exposure.mode !== 'ingress') return pass('no Ingress');
    const { ingressClasses } = await ctx.classes();
    if (!ingressClasses) throw new CannotRun('cannot run: you may not list IngressClasses');
    return judgeIngressClass(
      ingressClasses,
      exposure?.mode === 'ingress' ? { wanted: exposure.ingressClass } : undefined,
    );
  },
};

export const clusterChecks: DoctorCheck[] = [
  contextCheck,
  forDoctor(reachableCheck),
  serverVersionCheck,
  forDoctor(namespaceCheck),
  forDoctor(storageClassCheck, 'pre'),
  forDoctor(ingressClassCheck, 'pre'),
];
