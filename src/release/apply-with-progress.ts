// helm install/upgrade --wait with a live count of ready workloads; on failure or Ctrl-C, the
// state the release was left in, the pods that are not ready and why, and the command that recovers.
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../errors.js';
import { parseDuration } from '../plan/duration.js';
import type { Helm } from '../tools/helm.js';
import { kubeApiFor } from '../tools/kube-api.js';
import type { Kubectl } from '../tools/kubectl.js';
import { ToolError } from '../tools/run-tool.js';
import { InterruptedError, withInterruptScope } from '../ui/interrupt.js';
import type { Output } from '../ui/output.js';
import { instanceSelector } from './labels.js';
import { targetLine } from './release-flags.js';
import { explainPods, fetchPods, fetchWorkloads, summarizeWorkloads } from './workload-status.js';

export interface ReleaseTarget {
  namespace: string;
  release: string;
  verb: 'install' | 'upgrade';
  /**
   * helm --wait also waits for LoadBalancer addresses, which never come on a cluster without a
   * load-balancer controller; with LoadBalancer exposure helm runs without --wait and the
   * workloads are waited for here, for at most this long.
   */
  waitForWorkloadsMs?: number;
  /**
   * With --verify: helm's own signature check can still refuse after the CLI's passed (see
   * signing/diagnosis.ts); this turns helm's stderr into the refusal that names the cause.
   */
  explainFailure?: ((stderr: string) => UserError | undefined) | undefined;
}

/**
 * How long to wait for the workloads ourselves: only when a LoadBalancer Service is applied (our
 * LoadBalancer exposure, or `loadBalancers`: the Services of that type in the manifest, e.g. a
 * released chart's defaults), where helm runs without --wait (see
 * ReleaseTarget.waitForWorkloadsMs); otherwise helm's --wait does it.
 */
export function ownWaitMs(
  exposure: string,
  timeout: string,
  loadBalancers: readonly string[] = [],
): number | undefined {
  return exposure === 'loadbalancer' || loadBalancers.length > 0
    ? parseDuration('--timeout')(timeout)
    : undefined;
}

/**
 * Runs helm with --wait while showing which workloads are ready. Ctrl-C is passed to helm, and
 * the user is told what state the release was left in and how to finish.
 */
export async function applyWithProgress(
  helm: Helm,
  kubectl: Kubectl,
  args: string[],
  target: ReleaseTarget,
  out: Output,
): Promise<void> {
  const spinner = await out.spinner(
    `helm is ${target.verb === 'install' ? 'installing' : 'upgrading'} ${target.release}`,
  );
  // The progress poll sleeps between requests; stopping it must not wait out the sleep (that was
  // up to 1.5 s added to every install after helm had finished).
  const stopPolling = new AbortController();
  const poll = (async () => {
    while (!stopPolling.signal.aborted) {
      await sleep(1500, undefined, { signal: stopPolling.signal }).catch(() => undefined);
      if (stopPolling.signal.aborted) break;
      const summary = await fetchWorkloads(
        kubeApiFor(kubectl),
        target.namespace,
        target.release,
      ).then(summarizeWorkloads, () => undefined);
      if (summary && summary.ready.length + summary.waiting.length > 0) {
        const total = summary.ready.length + summary.waiting.length;
        spinner.update(
          `${summary.ready.length}/${total} workloads ready${summary.waiting.length ? `; waiting for ${summary.waiting.join(', ')}` : ''}`,
        );
      }
    }
  })();
  try {
    // Ctrl-C aborts the scope's signal, which hands SIGINT on to helm (stopped cleanly, its
    // release state then reported) and ends our own wait for the workloads.
    await withInterruptScope(async (signal) => {
      try {
        await helm.run(args, { signal, killSignal: 'SIGINT' });
        if (target.waitForWorkloadsMs !== undefined)
          await waitForWorkloads(kubectl, target, target.waitForWorkloadsMs, signal);
        spinner.succeed('All workloads are ready');
      } catch (error) {
        spinner.fail(signal.aborted ? 'Interrupted' : `The ${target.verb} did not finish`);
        await reportFailure(helm, kubectl, target, out, signal.aborted, error);
      }
    });
  } finally {
    stopPolling.abort();
    await poll;
  }
}

async function waitForWorkloads(
  kubectl: Kubectl,
  target: ReleaseTarget,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal.aborted) throw new Error('interrupted');
    const summary = await fetchWorkloads(
      kubeApiFor(kubectl),
      target.namespace,
      target.release,
    ).then(summarizeWorkloads, () => undefined);
    if (summary && summary.waiting.length === 0 && summary.ready.length > 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${summary?.waiting.join(', ') || 'the workloads'} to be ready`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function reportFailure(
  helm: Helm,
  kubectl: Kubectl,
  target: ReleaseTarget,
  out: Output,
  interrupted: boolean,
  error: unknown,
): Promise<never> {
  // A refused signature: helm checks it before it creates anything, so there are no pods to show.
  const refused =
    !interrupted && error instanceof ToolError ? target.explainFailure?.(error.stderr) : undefined;
  if (refused) throw refused;
  const history = await helm.history(target.release, target.namespace).catch(() => []);
  const state = history.at(-1)?.status ?? 'not created';
  const problems = await fetchPods(kubeApiFor(kubectl), target.namespace, target.release).then(
    explainPods,
    () => [],
  );
  if (problems.length > 0) {
    out.heading('Pods that are not ready');
    for (const line of problems) out.line(`  ${line}`);
  }
  const inspect = `kubectl get pods -n ${target.namespace} -l ${instanceSelector(target.release)}`;
  const lastGood = history
    .filter((h) => h.status === 'deployed' || h.status === 'superseded')
    .at(-1)?.revision;
  const recover =
    target.verb === 'install'
      ? 'run the same install command again: it replaces an unfinished install and keeps the database password'
      : `prefect-server upgrade ${targetLine(target, { alwaysRelease: true })} (it offers to roll back first)${
          lastGood ? `, or: helm rollback ${target.release} ${lastGood} -n ${target.namespace}` : ''
        }`;
  if (interrupted) {
    throw new InterruptedError(
      `Interrupted. Release ${target.release} was left in state: ${state}.`,
      `To finish: ${recover}. Inspect with: ${inspect}`,
    );
  }
  const reason =
    error instanceof ToolError ? error.message.replace(/^helm failed: /, '') : String(error);
  throw new UserError(
    `helm could not finish the ${target.verb}: ${reason}. Release ${target.release} is in state: ${state}.`,
    {
      hint: `Inspect: ${inspect}   To recover: ${recover}.`,
      cause: error,
    },
  );
}
