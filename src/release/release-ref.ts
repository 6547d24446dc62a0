// The release a command means, written once. Every command that acts on an installed release
// (status, uninstall, upgrade, doctor, connect, tenant) takes the same `-n` and `--release` flags
// and reads them by one rule:
//
//   A missing --release is the only Prefect Server release there is: in the namespace given with
//   -n, or, without -n, in the whole cluster (a release installed by hand with --generate-name is
//   named prefect-server-<number>, in whatever namespace it was given).
//
// When no single release answers, the commands that act on a release (status, uninstall, upgrade)
// stop and say so, listing the candidates (find-release.ts); the commands that diagnose or reach
// one (doctor, connect, tenant) go on with install's defaults, `-n prefect --release
// prefect-server` (narrowed to the only release of namespace prefect when the cluster has several),
// and report what they did not find there. `doctor --pre` looks at a cluster before an install,
// so it takes install's defaults without looking.
import { InputError } from '../errors.js';
import { defaults } from '../plan/defaults.js';
import * as rules from '../plan/rules.js';
import type { HelmRelease } from '../tools/helm.js';
import type { ReleaseTarget } from './release-flags.js';

/** The rule above as the help of every command that takes it prints it. */
export const releaseRuleHelp = `Without --release, the release is the only Prefect Server release of the namespace given
with -n, or without -n of the whole cluster. When there is not exactly one, status, upgrade and
uninstall stop and list them (upgrade lets you pick one in a terminal); doctor, connect and tenant go on with -n ${defaults.namespace} --release
${defaults.release} (the only release of namespace ${defaults.namespace} when the cluster has several)
and report what is missing there. doctor --pre always uses -n ${defaults.namespace}.`;

/** The flags that name a release, as given (either may be missing). */
export interface ReleaseLookup {
  namespace?: string | undefined;
  release?: string | undefined;
  context?: string | undefined;
  kubeconfig?: string | undefined;
}

/** Our releases are the ones whose chart is prefect-server (ours or a released one). */
export function isPrefectServerRelease(release: HelmRelease): boolean {
  return /^prefect-server-\d/.test(release.chart);
}

/** The releases a lookup may mean: the one named, else every Prefect Server release. */
export function candidatesOf(
  releases: readonly HelmRelease[],
  lookup: ReleaseLookup,
): HelmRelease[] {
  return releases.filter(
    (r) =>
      (lookup.namespace === undefined || r.namespace === lookup.namespace) &&
      (lookup.release === undefined ? isPrefectServerRelease(r) : r.name === lookup.release),
  );
}

/** A malformed -n or --release is bad input (exit 2), refused before any request. */
export function checkReleaseLookup(lookup: ReleaseLookup): void {
  for (const [flag, value, rule] of [
    ['--namespace', lookup.namespace, rules.namespaceName],
    ['--release', lookup.release, rules.releaseName],
  ] as const) {
    if (value === undefined) continue;
    const problem = rule(value);
    if (problem) throw new InputError(`${flag}: ${problem}`);
  }
}

/** Install's defaults for what is not given: `doctor --pre`, and the fallback below. */
export function installDefaults(lookup: ReleaseLookup): ReleaseTarget {
  return {
    namespace: lookup.namespace ?? defaults.namespace,
    release: lookup.release ?? defaults.release,
    context: lookup.context,
    kubeconfig: lookup.kubeconfig,
  };
}

/**
 * The rule above for the commands that go on without a release (doctor, connect, tenant), over
 * the releases helm lists (of the namespace given, or of the cluster); `undefined` when helm
 * could not list them (not allowed, no cluster), which leaves install's defaults.
 */
export function chooseRelease(
  lookup: ReleaseLookup,
  releases: readonly HelmRelease[] | undefined,
): ReleaseTarget {
  const fallback = installDefaults(lookup);
  if (lookup.namespace !== undefined && lookup.release !== undefined) return fallback;
  if (releases === undefined) return fallback;
  const candidates = candidatesOf(releases, lookup);
  const only =
    candidates.length === 1
      ? candidates[0]
      : lookup.namespace === undefined
        ? single(candidatesOf(candidates, { ...lookup, namespace: defaults.namespace }))
        : undefined;
  return only ? { ...fallback, namespace: only.namespace, release: only.name } : fallback;
}

const single = <T>(items: readonly T[]): T | undefined =>
  items.length === 1 ? items[0] : undefined;

/**
 * `chooseRelease` with helm asked (one `helm list`, only when a flag is missing). Never fails:
 * a release helm cannot list is left for the command to report as it always did.
 */
export async function defaultRelease(lookup: ReleaseLookup): Promise<ReleaseTarget> {
  if (lookup.namespace !== undefined && lookup.release !== undefined)
    return installDefaults(lookup);
  const releases = await import('../tools/helm.js')
    .then(({ Helm }) => Helm.create({ kubeconfig: lookup.kubeconfig, context: lookup.context }))
    .then((helm) => helm.list(lookup.namespace))
    .catch(() => undefined);
  return chooseRelease(lookup, releases);
}
