// doctor: what the user may do in the namespace, asked of the API server (`auth can-i`) for every
// kind the chart creates, and for what doctor itself reads (Secrets, logs, port-forwards).

import { type CheckResult, fail, pass, warn } from '../ui/check.js';
import { byComponent } from './cluster-state.js';
import type { DoctorContext } from './context.js';
import type { DoctorCheck } from './doctor-check.js';
import { releaseValues } from './release.js';

export interface ChartFeatures {
  bundledDatabase: boolean;
  agent: boolean;
  tenantJob: boolean;
  ingress: boolean;
}

/** Every kind the chart creates with these features, as `kubectl auth can-i` resources. */
export function kindsForFeatures(features: ChartFeatures): string[] {
  const kinds = ['deployments.apps', 'services', 'secrets', 'configmaps', 'serviceaccounts'];
  if (features.bundledDatabase) kinds.push('statefulsets.apps');
  if (features.agent)
    kinds.push('roles.rbac.authorization.k8s.io', 'rolebindings.rbac.authorization.k8s.io');
  if (features.tenantJob) kinds.push('jobs.batch');
  if (features.ingress) kinds.push('ingresses.networking.k8s.io');
  return kinds;
}

const allFeatures: ChartFeatures = {
  bundledDatabase: true,
  agent: true,
  tenantJob: true,
  ingress: true,
};
const noFeatures: ChartFeatures = {
  bundledDatabase: false,
  agent: false,
  tenantJob: false,
  ingress: false,
};

/** What an optional kind is for, to say what a denial would cost. */
const featureOf: Record<string, string> = {
  'statefulsets.apps': 'the bundled database',
  'roles.rbac.authorization.k8s.io': 'the agent (--agent)',
  'rolebindings.rbac.authorization.k8s.io': 'the agent (--agent)',
  'jobs.batch': 'the tenant Job (--tenant)',
  'ingresses.networking.k8s.io': 'Ingresses (--expose ingress)',
};

/**
 * The verdict on create permissions: `required` kinds denied fail; before an install, `optional`
 * kinds denied only warn, naming the feature they would block.
 */
export function judgeCreate(
  namespace: string,
  required: readonly string[],
  optional: readonly string[],
  allowed: ReadonlyMap<string, boolean>,
): CheckResult {
  const denied = (kinds: readonly string[]) =>
    kinds.filter((k) => allowed.get(`create ${k}`) !== true);
  const [missing, missingOptional] = [denied(required), denied(optional)];
  const hint = `Ask a cluster admin for the "admin" role there: kubectl create rolebinding prefect-admin --clusterrole=admin --user=YOU -n ${namespace}`;
  if (missing.length > 0) {
    return fail(`you may not create ${missing.join(', ')} in namespace ${namespace}`, hint);
  }
  if (missingOptional.length > 0) {
    const blocked = [...new Set(missingOptional.map((k) => featureOf[k] ?? k))];
    return warn(
      `you may not create ${missingOptional.join(', ')} in namespace ${namespace}: no ${blocked.join(', ')}`,
      hint,
    );
  }
  return pass(
    `may create all ${required.length + optional.length} kinds of object the chart creates in ${namespace}`,
  );
}

async function featuresOfRelease(ctx: DoctorContext): Promise<ChartFeatures> {
  const objects = await ctx.objects();
  const values = await releaseValues(ctx).catch(() => undefined);
  const jobs = values?.jobs as { createTenant?: { enabled?: unknown } } | undefined;
  return {
    bundledDatabase: byComponent(objects.workloads, 'postgresql') !== undefined,
    agent: byComponent(objects.workloads, 'agent') !== undefined,
    tenantJob: jobs?.createTenant?.enabled === true,
    ingress: objects.ingresses.length > 0,
  };
}

/** What doctor itself reads: without these, some checks can only say why they did not run. */
export const doctorNeeds = [
  { verb: 'list', resource: 'pods', for: 'the workload checks' },
  { verb: 'get', resource: 'secrets', for: 'the database checks (the password Secret)' },
  { verb: 'create', resource: 'pods/portforward', for: 'the database and API checks' },
  { verb: 'get', resource: 'pods/log', for: 'crash logs and the agent log check' },
] as const;

const canCreate: DoctorCheck = {
  id: 'permissions-create',
  category: 'permissions',
  title: 'you may create every kind of object the chart creates',
  async run(ctx) {
    let required: string[];
    let optional: string[];
    // Without a release (yet), judge as before an install: what any install needs, and the rest.
    const features = ctx.options.pre
      ? undefined
      : await featuresOfRelease(ctx).catch(() => undefined);
    if (features) {
      required = kindsForFeatures(features);
      optional = [];
    } else {
      required = kindsForFeatures({ ...noFeatures, bundledDatabase: true });
      optional = kindsForFeatures(allFeatures).filter((k) => !required.includes(k));
    }
    const allowed = await ctx.access(
      [...required, ...optional].map((resource) => ({ verb: 'create', resource })),
    );
    return judgeCreate(ctx.namespace, required, optional, allowed);
  },
};

const canInspect: DoctorCheck = {
  id: 'permissions-inspect',
  when: 'installed',
  category: 'permissions',
  title: 'you may read what doctor inspects',
  async run(ctx) {
    const allowed = await ctx.access(doctorNeeds.map(({ verb, resource }) => ({ verb, resource })));
    const denied = doctorNeeds.filter((n) => allowed.get(`${n.verb} ${n.resource}`) !== true);
    if (denied.length === 0) return pass('may list pods, read Secrets and logs, and port-forward');
    return warn(
      `you may not ${denied.map((d) => `${d.verb} ${d.resource}`).join(', ')} in ${ctx.namespace}: ${[...new Set(denied.map((d) => d.for))].join(', ')} cannot run`,
      `Ask for the "admin" role in ${ctx.namespace}, or run doctor with a kubeconfig that has it.`,
    );
  },
};

export const permissionChecks: DoctorCheck[] = [canCreate, canInspect];
