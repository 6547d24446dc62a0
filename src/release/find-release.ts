import { InputError, UserError } from '../errors.js';
import type { Helm, HelmRelease } from '../tools/helm.js';
import { errorPrefix, stderrReason, ToolError } from '../tools/run-tool.js';
import { candidatesOf, type ReleaseLookup } from './release-ref.js';

/** helm list; a namespace the user may not read is bad input (exit 2), named with the fix. */
async function listReleases(helm: Helm, namespace: string | undefined): Promise<HelmRelease[]> {
  try {
    return await helm.list(namespace);
  } catch (error) {
    if (error instanceof ToolError && /forbidden/i.test(error.stderr)) {
      const where = namespace ? `namespace ${namespace}` : 'the cluster';
      const reason = stderrReason(error.stderr, errorPrefix.helm) ?? '';
      throw new InputError(
        `You may not read the releases in ${where} (helm keeps them in Secrets there): ${reason}`,
        `Choose a namespace you manage with --namespace, or ask a cluster admin for the "admin" role there: kubectl create rolebinding prefect-admin --clusterrole=admin --user=YOU -n ${namespace ?? 'NAMESPACE'}`,
      );
    }
    // No cluster: even --dry-run cannot go on, because the release (its values, its history) is
    // what upgrade changes, and it lives in the cluster. Said plainly, not as helm's raw error.
    if (error instanceof ToolError && /Kubernetes cluster unreachable/i.test(error.stderr)) {
      const reason =
        stderrReason(error.stderr, /^Error: (Kubernetes cluster unreachable: )?/i) ?? '';
      throw new UserError(
        `The cluster was not reached (${reason}). upgrade reads the release's values and history from the cluster, so it cannot go on without it, not even with --dry-run. Nothing was changed.`,
        {
          hint: 'Check the cluster and your kubeconfig: kubectl cluster-info   (another context: --context NAME). To see what an install would render without a cluster: prefect-server install --dry-run ...',
        },
      );
    }
    throw error;
  }
}

/**
 * The release to operate on, by the rule of release-ref.ts: the one named, or the only Prefect
 * Server release in the namespace (or in the cluster when no namespace is given). Several
 * candidates: the caller lets the user pick, or, without a terminal, the error lists them.
 */
export async function findRelease(
  helm: Helm,
  wanted: ReleaseLookup,
  pick?: (candidates: HelmRelease[]) => Promise<HelmRelease>,
): Promise<HelmRelease> {
  const releases = candidatesOf(await listReleases(helm, wanted.namespace), wanted);
  const where = wanted.namespace ? `namespace ${wanted.namespace}` : 'any namespace';
  if (releases.length === 1) return releases[0] as HelmRelease;
  if (releases.length === 0) {
    throw new InputError(
      wanted.release
        ? `No release named ${wanted.release} in ${where}.`
        : `No Prefect Server release in ${where}.`,
      'List releases with: helm list -A   (install one with: prefect-server install)',
    );
  }
  if (pick) return pick(releases);
  throw new InputError(
    `Several Prefect Server releases in ${where}: ${releases.map((r) => `${r.namespace}/${r.name}`).join(', ')}.`,
    'Name one with --namespace and --release.',
  );
}
