// doctor: the Kubernetes agent, when the release has one: Ready, no GraphQL 400 errors in its
// recent log (the manual's missing-tenant symptom), and its ServiceAccount may create flow-run Jobs.

import { instanceSelector } from '../release/labels.js';
import { explainPods } from '../release/workload-status.js';
import { canI, KubeApiError } from '../tools/kube-api.js';
import type { Workload } from '../tools/kube-objects.js';
import { type CheckResult, fail, pass, warn } from '../ui/check.js';
import { byComponent, componentOf } from './cluster-state.js';
import { CannotRun, type DoctorContext } from './context.js';
import { type DoctorCheck, withDetails } from './doctor-check.js';

const logLines = 300;

async function agentOf(ctx: DoctorContext): Promise<Workload | undefined> {
  const objects = await ctx.objects();
  if (objects.forbidden.includes('deployments'))
    throw new CannotRun(`cannot run: you may not list Deployments in ${ctx.namespace}`);
  return byComponent(objects.workloads, 'agent');
}

const noAgent = () => pass('the release has no agent (agent.enabled is false)');

async function agentPods(ctx: DoctorContext) {
  return (await ctx.objects()).pods.filter(
    (p) => componentOf(p) === 'agent' && !p.metadata.deletionTimestamp,
  );
}

/** What the agent's recent log says about its GraphQL calls. */
export function judgeAgentLog(log: string, target: string): CheckResult {
  const lines = log.split('\n');
  const badRequest = lines.filter((l) => /400 Client Error/.test(l));
  if (badRequest.length > 0) {
    const tenantless = /get_runs_in_queue|"tenant_id":\s*null/.test(log);
    return tenantless
      ? fail(
          `the agent's log has ${badRequest.length} "400 Client Error" on get_runs_in_queue: there is no tenant`,
          `Create one (the agent recovers by itself): prefect-server tenant create ${target}`,
        )
      : fail(
          `the agent's log has ${badRequest.length} "400 Client Error": ${badRequest[0]?.trim().slice(0, 160)}`,
          'The agent and the server may run different Prefect versions: keep --prefect-tag equal to the Prefect version of your flows and server.',
        );
  }
  const unreachable = lines.filter((l) =>
    /Connection refused|Max retries exceeded|NewConnectionError|Name or service not known/.test(l),
  );
  if (unreachable.length > 0) {
    return warn(
      `the agent cannot reach apollo: ${unreachable[0]?.trim().slice(0, 160)}`,
      'See the api checks: the agent talks to apollo inside the cluster.',
    );
  }
  return pass(`no GraphQL errors in its last ${logLines} log lines`);
}

const ready: DoctorCheck = {
  id: 'agent-ready',
  category: 'agent',
  title: 'the agent is Ready',
  when: 'installed',
  async run(ctx) {
    const agent = await agentOf(ctx);
    if (!agent) return noAgent();
    const pods = await agentPods(ctx);
    const readyPods = pods.filter((p) => p.status?.containerStatuses?.every((c) => c.ready));
    if (pods.length > 0 && readyPods.length === pods.length)
      return pass(`${readyPods.length} agent pod${readyPods.length > 1 ? 's' : ''} Ready`);
    return withDetails(
      fail(
        pods.length === 0
          ? `the agent Deployment ${agent.metadata.name} has no pod`
          : `${pods.length - readyPods.length} of ${pods.length} agent pods are not Ready`,
        `Its log: kubectl logs -n ${ctx.namespace} deploy/${agent.metadata.name}`,
      ),
      explainPods(pods),
    );
  },
};

const log: DoctorCheck = {
  id: 'agent-log',
  category: 'agent',
  title: "the agent's log has no GraphQL errors",
  when: 'installed',
  async run(ctx) {
    const agent = await agentOf(ctx);
    if (!agent) return noAgent();
    const pods = await agentPods(ctx);
    const pod = pods.find((p) => p.status?.phase === 'Running') ?? pods[0];
    if (!pod) throw new CannotRun('skipped: the agent has no pod');
    const api = await ctx.api();
    let text: string | undefined;
    try {
      text = await api.getText(
        `/api/v1/namespaces/${ctx.namespace}/pods/${pod.metadata.name}/log?container=agent&tailLines=${logLines}`,
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CannotRun(
        `cannot read the agent's log: ${reason}`,
        (error instanceof KubeApiError && error.status === 403) || /forbidden/i.test(reason)
          ? `You may not read pods/log in ${ctx.namespace}.`
          : undefined,
      );
    }
    if (text === undefined)
      throw new CannotRun(`cannot read the agent's log: pods "${pod.metadata.name}" not found`);
    return judgeAgentLog(text, ctx.target);
  },
};

const rbac: DoctorCheck = {
  id: 'agent-rbac',
  category: 'agent',
  title: "the agent's ServiceAccount may create Jobs",
  when: 'installed',
  async run(ctx) {
    const agent = await agentOf(ctx);
    if (!agent) return noAgent();
    const account = agent.spec.template.spec.serviceAccountName ?? 'default';
    const user = `system:serviceaccount:${ctx.namespace}:${account}`;
    // `kubectl auth can-i --as`: a SelfSubjectAccessReview asked as that account (impersonated).
    let allowed: boolean;
    try {
      allowed = await canI(await ctx.api(), 'create', 'jobs.batch', ctx.namespace, { as: user });
    } catch (error) {
      throw new CannotRun(
        `cannot ask on behalf of ${user}: ${error instanceof Error ? error.message : String(error)}`,
        'Asking for another account needs permission to impersonate it (cluster admins have it).',
      );
    }
    if (allowed) return pass(`ServiceAccount ${account} may create Jobs in ${ctx.namespace}`);
    return fail(
      `ServiceAccount ${account} may not create Jobs in ${ctx.namespace}: the agent cannot start flow runs`,
      `The agent's Role or RoleBinding is missing or changed; an upgrade puts them back: prefect-server upgrade ${ctx.target}   (see them: kubectl get role,rolebinding -n ${ctx.namespace} -l ${instanceSelector(ctx.releaseName)})`,
    );
  },
};

export const agentChecks: DoctorCheck[] = [ready, log, rbac];
