import { InputError } from '../errors.js';
import type { Helm, HelmRelease } from '../tools/helm.js';

/** Our releases are the ones whose chart is prefect-server (ours or a released one). */
export function isPrefectServerRelease(release: HelmRelease): boolean {
  return /^prefect-server-\d/.test(release.chart);
}

/**
 * The release to operate on: the one named, or the only Prefect Server release in the namespace
 * (or in the cluster when no namespace is given). Several candidates: the caller lets the user pick,
 * or, without a terminal, the error lists them.
 */
export async function findRelease(
  helm: Helm,
  wanted: { release: string | undefined; namespace: string | undefined },
  pick?: (candidates: HelmRelease[]) => Promise<HelmRelease>,
): Promise<HelmRelease> {
  const releases = (await helm.list(wanted.namespace)).filter((r) =>
    wanted.release === undefined ? isPrefectServerRelease(r) : r.name === wanted.release,
  );
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
