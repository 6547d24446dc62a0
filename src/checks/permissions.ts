// What the user may do in the namespace, asked of the API server (`auth can-i`) for every kind the
// chart creates (chart-kinds.ts), and for what doctor itself reads (Secrets, logs, port-forwards).
// permissions-create is shared: install's preflight runs it over its plan, doctor over a release
// (or, with --pre, over every feature).

import { type CheckResult, fail, pass, warn } from '../ui/check.js';
import {
  allFeatures,
  chartKinds,
  featuresOfPlan,
  kindsForFeatures,
  noFeatures,
} from './chart-kinds.js';
import type { FactCheck } from './check-facts.js';
import type { DoctorCheck } from './doctor-check.js';
import { forDoctor } from './doctor-facts.js';

export { type ChartFeatures, kindsForFeatures } from './chart-kinds.js';

/** What an optional kind is for, to say what a denial would cost. */
const featureNames: Record<string, string> = {
  bundledDatabase: 'the bundled database',
  agent: 'the agent (--agent)',
  tenantJob: 'the tenant Job (--tenant)',
  ingress: 'Ingresses (--expose ingress)',
  retention: 'the retention CronJob (--log-retention-days)',
};
const featureOf = (resource: string) => {
  const feature = chartKinds.find((k) => k.resource === resource)?.feature;
  return feature ? featureNames[feature] : undefined;
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
    const blocked = [...new Set(missingOptional.map((k) => featureOf(k) ?? k))];
    return warn(
      `you may not create ${missingOptional.join(', ')} in namespace ${namespace}: no ${blocked.join(', ')}`,
      hint,
    );
  }
  return pass(
    `may create all ${required.length + optional.length} kinds of object the chart creates in ${namespace}`,
  );
}

/**
 * The kinds to ask about: an install's plan needs exactly its own; an installed release its own;
 * before an install without a plan (doctor --pre) what any install needs, and the rest optional.
 */
export function kindsToAsk(features: ReturnType<typeof featuresOfPlan> | undefined): {
  required: string[];
  optional: string[];
} {
  if (features) return { required: kindsForFeatures(features), optional: [] };
  const required = kindsForFeatures({ ...noFeatures, bundledDatabase: true });
  return {
    required,
    optional: kindsForFeatures(allFeatures).filter((k) => !required.includes(k)),
  };
}

/** What doctor itself reads: without these, some checks can only say why they did not run. */
export const doctorNeeds = [
  { verb: 'list', resource: 'pods', for: 'the workload checks' },
  { verb: 'get', resource: 'secrets', for: 'the database checks (the password Secret)' },
  { verb: 'create', resource: 'pods/portforward', for: 'the database and API checks' },
  { verb: 'get', resource: 'pods/log', for: 'crash logs and the agent log check' },
] as const;

export const canCreate: FactCheck = {
  id: 'permissions-create',
  category: 'permissions',
  title: 'you may create every kind of object the chart creates',
  async run(ctx) {
    const features = ctx.plan
      ? featuresOfPlan(ctx.plan)
      : ctx.beforeInstall
        ? undefined
        : await ctx.releaseFeatures();
    const { required, optional } = kindsToAsk(features);
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

export const permissionChecks: DoctorCheck[] = [forDoctor(canCreate), canInspect];
