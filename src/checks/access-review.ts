// `kubectl auth can-i` for many questions in one kubectl process: a List of
// SelfSubjectAccessReviews is created in one go (what can-i creates one at a time), and each
// answer is read back in order.
import type { Kubectl } from '../tools/kubectl.js';

export interface AccessQuestion {
  verb: string;
  /** `kind.group` as can-i takes it: `deployments.apps`, `pods`, `pods/portforward` */
  resource: string;
}

function attributes(question: AccessQuestion, namespace: string | undefined) {
  const [kindAndGroup = '', subresource] = question.resource.split('/');
  const dot = kindAndGroup.indexOf('.');
  const resource = dot === -1 ? kindAndGroup : kindAndGroup.slice(0, dot);
  const group = dot === -1 ? '' : kindAndGroup.slice(dot + 1);
  return {
    verb: question.verb,
    group,
    resource,
    ...(subresource ? { subresource } : {}),
    ...(namespace ? { namespace } : {}),
  };
}

/** The manifest: exported for the unit tests. */
export function accessReviewList(
  questions: readonly AccessQuestion[],
  namespace: string | undefined,
): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: questions.map((q) => ({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: attributes(q, namespace) },
    })),
  });
}

/** One answer per question, in order: true when allowed. */
export async function reviewAccess(
  kubectl: Kubectl,
  questions: readonly AccessQuestion[],
  namespace: string | undefined,
): Promise<boolean[]> {
  if (questions.length === 0) return [];
  const result = await kubectl.run(
    [
      'create',
      '--filename',
      '-',
      '--output',
      'jsonpath={.status.allowed}{"\\n"}',
      '--request-timeout',
      '10s',
    ],
    { input: accessReviewList(questions, namespace), timeoutMs: 20_000 },
  );
  const answers = result.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (answers.length !== questions.length) {
    throw new Error(
      `expected ${questions.length} access review answers from kubectl, got ${answers.length}`,
    );
  }
  return answers.map((a) => a === 'true');
}
