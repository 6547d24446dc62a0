// doctor: the kube context, the API server (reachable, a version the chart supports), the
// namespace, and (with --pre) the classes an install may need.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { bundledChartPath } from '../release/chart-source.js';
import { stderrReason } from '../tools/run-tool.js';
import { type CheckResult, fail, pass, warn } from '../ui/check.js';
import { compareVersions } from '../values/values-era.js';
import { defaultClass } from './cluster-state.js';
import { CannotRun } from './context.js';
import type { DoctorCheck } from './doctor-check.js';

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
    const result = await kubectl.run(['config', 'view', '--minify', '--output', 'json'], {
      allowFailure: true,
      timeoutMs: 10_000,
    });
    const named = ctx.options.context;
    if (result.exitCode !== 0) {
      const reason = stderrReason(result.stderr, /^error: /i) ?? '';
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
    const config = JSON.parse(result.stdout) as {
      'current-context'?: string;
      contexts?: { name: string; context?: { cluster?: string; namespace?: string } }[];
    };
    const context = config.contexts?.[0];
    return pass(
      `context ${context?.name ?? config['current-context'] ?? '(unnamed)'}${context?.context?.cluster ? `, cluster ${context.context.cluster}` : ''}`,
    );
  },
};

const reachableCheck: DoctorCheck = {
  id: 'cluster-reachable',
  category: 'cluster',
  title: 'the API server answers',
  async run(ctx) {
    const versions = await ctx.versions().catch((error: unknown) => {
      throw new CannotRun(`skipped: ${error instanceof Error ? error.message : String(error)}`);
    });
    if (versions.server) return pass(`Kubernetes ${versions.server}`);
    const context = ctx.options.context ? ` --context ${ctx.options.context}` : '';
    return fail(
      `cannot reach the API server: ${versions.error ?? 'no answer within 5 s'}`,
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

const namespaceCheck: DoctorCheck = {
  id: 'cluster-namespace',
  category: 'cluster',
  title: 'the namespace exists',
  async run(ctx) {
    if (await ctx.namespaceExists()) return pass(`namespace ${ctx.namespace} exists`);
    if (ctx.options.pre) {
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

const storageClassCheck: DoctorCheck = {
  id: 'cluster-storage-class',
  when: 'pre',
  category: 'cluster',
  title: 'a StorageClass can hold the database volume',
  async run(ctx) {
    const { storageClasses } = await ctx.classes();
    if (!storageClasses) throw new CannotRun('cannot run: you may not list StorageClasses');
    const fallback = defaultClass(storageClasses);
    if (fallback) return pass(`the default StorageClass is ${fallback.metadata.name}`);
    const names = storageClasses.map((c) => c.metadata.name);
    return warn(
      names.length === 0
        ? 'the cluster has no StorageClass: a persisted database volume would stay Pending'
        : `no default StorageClass (the cluster has: ${names.join(', ')})`,
      names.length === 0
        ? 'Install without --db-persistence, or use an external database (--database external).'
        : `Name one at install: --db-storage-class ${names[0]}`,
    );
  },
};

const ingressClassCheck: DoctorCheck = {
  id: 'cluster-ingress-class',
  when: 'pre',
  category: 'cluster',
  title: 'an IngressClass can publish the API and UI',
  async run(ctx) {
    const { ingressClasses } = await ctx.classes();
    if (!ingressClasses) throw new CannotRun('cannot run: you may not list IngressClasses');
    const names = ingressClasses.map((c) => c.metadata.name);
    if (names.length === 0) {
      return warn(
        'the cluster has no IngressClass: --expose ingress would publish nothing',
        'Install an ingress controller first, or reach the server with prefect-server connect (--expose port-forward).',
      );
    }
    const fallback = defaultClass(ingressClasses);
    return pass(
      `IngressClasses: ${names.join(', ')}${fallback ? ` (default ${fallback.metadata.name})` : ''}`,
    );
  },
};

export const clusterChecks: DoctorCheck[] = [
  contextCheck,
  reachableCheck,
  serverVersionCheck,
  namespaceCheck,
  storageClassCheck,
  ingressClassCheck,
];
