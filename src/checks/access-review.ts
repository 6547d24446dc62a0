// `kubectl auth can-i` for many questions at once, over the API client: the questions install's
// preflight and doctor ask (what the user may create, what doctor may read), answered the same
// way for both.
import { canI, type KubeApi } from '../tools/kube-api.js';

export interface AccessQuestion {
  verb: string;
  /** `kind.group` as can-i takes it: `deployments.apps`, `pods`, `pods/portforward` */
  resource: string;
}

/**
 * The answers, keyed "verb resource": one SelfSubjectAccessReview per question (what
 * `kubectl auth can-i` creates), all at once over the API client, in `namespace` (cluster-wide
 * when undefined).
 */
export async function accessAnswers(
  api: KubeApi,
  questions: readonly AccessQuestion[],
  namespace: string | undefined,
): Promise<Map<string, boolean>> {
  const answers = await Promise.all(
    questions.map((q) => {
      const [resource = '', subresource] = q.resource.split('/');
      return canI(api, q.verb, resource, namespace, subresource ? { subresource } : {});
    }),
  );
  return new Map(questions.map((q, i) => [`${q.verb} ${q.resource}`, answers[i] === true]));
}
