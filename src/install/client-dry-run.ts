// `install --dry-run` when the cluster does not answer (a laptop off the VPN, CI without
// credentials, no kubeconfig at all): the chart is still rendered, on this machine, by
// `helm template` with the very values and chart the install would use, so a broken value or
// template is still caught. What could not be checked is said plainly: the API server's
// validation and every preflight check that asks the cluster.
import { parseAllDocuments } from 'yaml';
import { ExitCode, UserError } from '../errors.js';
import type { Helm, HelmApplyRequest } from '../tools/helm.js';
import type { KubeObject } from '../tools/kube-objects.js';
import type { CheckOutcome } from '../ui/check.js';

/** Under --dry-run, a preflight whose only failure is reachability renders client-side instead. */
export function onlyUnreachable(outcomes: readonly CheckOutcome[]): CheckOutcome | undefined {
  const failures = outcomes.filter((o) => o.status === 'fail');
  return failures.length === 1 && failures[0]?.id === 'cluster-reachable' ? failures[0] : undefined;
}

/** `Kind/name` of every object in a rendered manifest (never their content: a Secret is one). */
export function renderedObjects(manifest: string): string[] {
  const objects: string[] = [];
  for (const document of parseAllDocuments(manifest)) {
    const object = document.toJS() as KubeObject | null;
    if (object?.kind && object.metadata?.name)
      objects.push(`${object.kind}/${object.metadata.name}`);
  }
  return objects;
}

/** helm's refusals of the values themselves (schema, YAML) are bad input; anything else a failure. */
export function templateFailureIsBadInput(stderr: string): boolean {
  return /values don't meet the specifications of the schema|schema\(s\)|additional propert|cannot unmarshal|yaml: |parse error|invalid|not found/i.test(
    stderr,
  );
}

/**
 * helm's error with the lines after it: a schema refusal names the offending key on the lines
 * below its `Error:` line (`- at '/apollo/service': additional properties 'typo' not allowed`).
 */
export function helmErrorText(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  let start = lines.length - 1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/^Error:/i.test(lines[i] as string)) {
      start = i;
      break;
    }
  }
  return lines
    .slice(Math.max(start, 0))
    .join(' ')
    .replace(/^Error:\s*/i, '');
}

/** `helm template` of exactly what the install would apply; the objects it rendered. */
export async function renderClientSide(
  helm: Helm,
  request: HelmApplyRequest,
  extraArgs: readonly string[],
  explainVerifyFailure?: (stderr: string) => UserError | undefined,
): Promise<string[]> {
  const args = [...helm.templateArgs(request), ...extraArgs];
  const rendered = await helm.run(args, { allowFailure: true, timeoutMs: 120_000 });
  if (rendered.exitCode !== 0) {
    // With --verify, helm template checks the signature again (see signing/diagnosis.ts).
    const refused = explainVerifyFailure?.(rendered.stderr);
    if (refused) throw refused;
    throw new UserError(`helm could not render the chart: ${helmErrorText(rendered.stderr)}`, {
      exitCode: templateFailureIsBadInput(rendered.stderr) ? ExitCode.badInput : ExitCode.failure,
      hint: 'Nothing was changed. Fix the value it names (see `prefect-server install --help`).',
    });
  }
  return renderedObjects(rendered.stdout);
}
