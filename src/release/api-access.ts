// How a one-off command (tenant create, tenant list) reaches apollo: the URL the user gave, or a
// temporary port-forward to the release's apollo Service, stopped when the command ends.
import { kubeApiFor } from '../tools/kube-api.js';
import { Kubectl } from '../tools/kubectl.js';
import { InterruptedError, unlessAborted, withInterruptScope } from '../ui/interrupt.js';
import { componentSelector, instanceSelector } from './labels.js';
import { SupervisedForward } from './port-forward.js';
import { findReleaseObjects, servicePort } from './release-objects.js';
import type { ClusterRef } from './ui-api-check.js';

export interface ApiAccess {
  apiUrl: string;
  /** How the API is reached, for messages: "http://... (given with --api-url)". */
  via: string;
  /** What to check when the API does not answer. */
  hint: string;
  /** Aborted on Ctrl-C: pass it to the API calls so that their retries stop. */
  signal?: AbortSignal | undefined;
}

export async function withApiAccess<T>(
  apiUrl: string | undefined,
  ref: ClusterRef,
  timeoutMs: number,
  use: (access: ApiAccess) => Promise<T>,
  interruptedNotice = 'Interrupted; the temporary port-forward is stopped.',
): Promise<T> {
  if (apiUrl !== undefined) {
    return use({
      apiUrl,
      via: `${apiUrl} (--api-url)`,
      hint: 'Check the URL and that apollo is reachable from this machine, or leave out --api-url to go through a port-forward.',
    });
  }
  const kubectl = await Kubectl.create({ kubeconfig: ref.kubeconfig, context: ref.context });
  const { apollo } = await findReleaseObjects(kubeApiFor(kubectl), ref);
  const forward = new SupervisedForward(
    kubectl,
    { namespace: ref.namespace, service: apollo.metadata.name, remotePort: servicePort(apollo) },
    // Quick restarts: the command's own retry budget bounds how long this goes on.
    { policy: { initialMs: 250, factor: 2, maxMs: 2_000 } },
  );
  // Ctrl-C stops the API calls (their retries are abortable) and kubectl before the command ends.
  return withInterruptScope(async (signal) => {
    try {
      const port = await unlessAborted(forward.start(0, timeoutMs), signal, () => undefined);
      const using = use({
        apiUrl: `http://127.0.0.1:${port}/graphql`,
        via: `a port-forward to ${forward.description}`,
        hint: `Check apollo: kubectl get pods -n ${ref.namespace} -l ${instanceSelector(ref.release)},${componentSelector('apollo')} (prefect-server doctor -n ${ref.namespace} explains what is wrong).`,
        signal,
      });
      using.catch(() => {});
      return await unlessAborted(using, signal, () => undefined);
    } catch (error) {
      if (signal.aborted) throw new InterruptedError(interruptedNotice);
      throw error;
    } finally {
      await forward.stop();
    }
  });
}
