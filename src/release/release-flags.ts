// The flags that name a release on a printed command (hints, next steps, "to recover: ..."), so
// that what a user copies reaches the same release on the same cluster. One writer for every
// command that prints one.
import { defaults } from '../plan/install-plan.js';

export interface ReleaseTarget {
  namespace: string;
  release: string;
  context?: string | undefined;
  kubeconfig?: string | undefined;
}

/**
 * `-n NS`, then `--release R` (when it is not the default, or always with `alwaysRelease`: a
 * recovery command names the release it was printed for), then `--context` and `--kubeconfig`
 * when given.
 */
export function targetFlags(
  ref: ReleaseTarget,
  options: { alwaysRelease?: boolean } = {},
): string[] {
  const flags = ['-n', ref.namespace];
  if (options.alwaysRelease || ref.release !== defaults.release)
    flags.push('--release', ref.release);
  if (ref.context) flags.push('--context', ref.context);
  if (ref.kubeconfig) flags.push('--kubeconfig', ref.kubeconfig);
  return flags;
}

/** Quotes an argument for a copy-paste shell command only when it needs it. */
export function shellWord(arg: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

export function commandLine(args: readonly string[]): string {
  return args.map(shellWord).join(' ');
}

/** The target flags as they are printed: `-n prefect --release pf --context kind-a`. */
export function targetLine(ref: ReleaseTarget, options: { alwaysRelease?: boolean } = {}): string {
  return commandLine(targetFlags(ref, options));
}
