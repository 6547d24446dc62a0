// What the checks that install's preflight and doctor share read from the cluster: one interface,
// served for install by the API client (install-facts.ts: no kubectl start per question) and for
// doctor by its shared context (doctor-facts.ts). The checks themselves (cluster.ts, tools.ts,
// permissions.ts) are written once over it; install runs a chosen subset of them (preflight.ts).
import type { InstallPlan } from '../plan/install-plan.js';
import type { Helm } from '../tools/helm.js';
import type { Check } from '../ui/check.js';
import type { AccessQuestion } from './access-review.js';
import type { ChartFeatures } from './chart-kinds.js';
import type { ClusterClasses } from './cluster-state.js';

/** The API server's version, or why it did not answer and where it was looked for. */
export type ServerAnswer =
  | { version: string }
  | { reason: string; where: string; kubeconfigMissing: boolean };

export interface CheckFacts {
  readonly namespace: string;
  /** What is to be installed (install's preflight); undefined for doctor, which judges every feature. */
  readonly plan: InstallPlan | undefined;
  /** Before an install (install's preflight, doctor --pre), or of an installed release (doctor). */
  readonly beforeInstall: boolean;
  /** --context as given, for commands printed in hints. */
  readonly contextFlag: string | undefined;
  helm(): Promise<Helm>;
  server(): Promise<ServerAnswer>;
  /** The server's version; throws CannotRun when it did not answer. */
  reachable(): Promise<string>;
  namespaceExists(): Promise<boolean>;
  classes(): Promise<ClusterClasses>;
  /** can-i answers, keyed "verb resource", in the namespace (cluster-wide while it does not exist). */
  access(questions: readonly AccessQuestion[]): Promise<Map<string, boolean>>;
  /** The features of the installed release (doctor without --pre); undefined when unknown. */
  releaseFeatures(): Promise<ChartFeatures | undefined>;
}

export type FactCheck = Check<CheckFacts>;
