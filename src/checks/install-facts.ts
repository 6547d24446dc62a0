// Install's side of the shared checks: the CheckFacts for a plan, every one read over the API
// client (tools/kube-api.ts: one kept-alive connection from Node, no kubectl start per question,
// so preflight stays fast), each fetched once however many checks ask.
import type { InstallPlan } from '../plan/install-plan.js';
import { type ReleaseRecord, releaseRecords } from '../release/release-records.js';
import type { Helm } from '../tools/helm.js';
import { type KubeApi, KubeApiError, kubeApiFor } from '../tools/kube-api.js';
import type { Kubectl } from '../tools/kubectl.js';
import { type AccessQuestion, accessAnswers } from './access-review.js';
import type { CheckFacts, ServerAnswer } from './check-facts.js';
import { fetchClusterClasses } from './cluster-state.js';
import { CannotRun } from './context.js';

export interface InstallFacts extends CheckFacts {
  readonly plan: InstallPlan;
  readonly api: KubeApi;
  /** --adopt: an existing release of the same name is upgraded instead of refused */
  readonly adopt: boolean;
  release(): Promise<ReleaseRecord[]>;
  /** A Secret of the namespace; undefined when it does not exist. */
  secret(name: string): Promise<{ data?: Record<string, string> } | undefined>;
}

const forbidden = (error: unknown) => error instanceof KubeApiError && error.status === 403;

export function installFacts(given: {
  plan: InstallPlan;
  kubectl: Kubectl;
  helm: Helm;
  adopt: boolean;
  /** The release's records when the caller already asked for them */
  release?: Promise<ReleaseRecord[]>;
}): InstallFacts {
  const { plan, kubectl, helm } = given;
  const api = kubeApiFor(kubectl);
  const once = new Map<string, Promise<unknown>>();
  const shared = <T>(key: string, compute: () => Promise<T>): Promise<T> => {
    let fact = once.get(key) as Promise<T> | undefined;
    if (!fact) {
      fact = compute();
      // A check that does not ask must not leave an unhandled rejection behind.
      fact.catch(() => undefined);
      once.set(key, fact);
    }
    return fact;
  };
  if (given.release) once.set('release', given.release);
  const facts: InstallFacts = {
    namespace: plan.namespace,
    plan,
    beforeInstall: true,
    contextFlag: plan.cluster.context,
    api,
    adopt: given.adopt,
    helm: async () => helm,
    server: () =>
      shared('server', async (): Promise<ServerAnswer> => {
        let reason = 'no answer';
        try {
          const version = await api.get<{ gitVersion?: string }>('/version');
          if (version?.gitVersion) return { version: version.gitVersion };
        } catch (error) {
          reason = (error as Error).message;
        }
        const where = await kubectl.describeTarget();
        return { reason, where: where.description, kubeconfigMissing: where.kubeconfigMissing };
      }),
    async reachable() {
      const answer = await facts.server();
      if (!('reason' in answer)) return answer.version;
      throw new CannotRun('skipped: the cluster is not reachable');
    },
    namespaceExists: () =>
      shared('namespace', () =>
        api
          .get(`/api/v1/namespaces/${plan.namespace}`)
          .then((found) => found !== undefined)
          // As doctor: a user who may not read the Namespace object works in it (it exists).
          .catch((error: unknown) => {
            if (forbidden(error)) return true;
            throw error;
          }),
      ),
    classes: () => shared('classes', () => fetchClusterClasses(api)),
    async access(questions: readonly AccessQuestion[]) {
      const scope = (await facts.namespaceExists()) ? plan.namespace : undefined;
      return accessAnswers(api, questions, scope);
    },
    releaseFeatures: async () => undefined,
    release: () => shared('release', () => releaseRecords(api, helm, plan.namespace, plan.release)),
    secret: (name) =>
      shared(`secret:${name}`, () =>
        api.get<{ data?: Record<string, string> }>(
          `/api/v1/namespaces/${plan.namespace}/secrets/${name}`,
        ),
      ),
  };
  return facts;
}
