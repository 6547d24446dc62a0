// Every kind of object the chart creates, and the feature that brings it, written once: install's
// preflight asks `can-i create` for the kinds of its plan, doctor for the kinds of a release (or,
// with --pre, for all of them). test/chart/chart-kinds.test.ts renders chart/templates with real
// helm under the main value combinations and fails when a rendered kind is missing here.
import type { InstallPlan } from '../plan/install-plan.js';

export interface ChartFeatures {
  bundledDatabase: boolean;
  agent: boolean;
  tenantJob: boolean;
  ingress: boolean;
  retention: boolean;
}

/** Kind as the chart renders it, as `kubectl auth can-i` names it, and what brings it (none: always). */
export const chartKinds: readonly {
  kind: string;
  resource: string;
  feature?: keyof ChartFeatures;
}[] = [
  { kind: 'Deployment', resource: 'deployments.apps' },
  { kind: 'Service', resource: 'services' },
  { kind: 'Secret', resource: 'secrets' },
  { kind: 'ConfigMap', resource: 'configmaps' },
  { kind: 'ServiceAccount', resource: 'serviceaccounts' },
  { kind: 'StatefulSet', resource: 'statefulsets.apps', feature: 'bundledDatabase' },
  { kind: 'Role', resource: 'roles.rbac.authorization.k8s.io', feature: 'agent' },
  { kind: 'RoleBinding', resource: 'rolebindings.rbac.authorization.k8s.io', feature: 'agent' },
  { kind: 'Job', resource: 'jobs.batch', feature: 'tenantJob' },
  { kind: 'Ingress', resource: 'ingresses.networking.k8s.io', feature: 'ingress' },
  { kind: 'CronJob', resource: 'cronjobs.batch', feature: 'retention' },
];

/** Every kind the chart creates with these features, as `kubectl auth can-i` resources. */
export function kindsForFeatures(features: ChartFeatures): string[] {
  return chartKinds.filter((k) => !k.feature || features[k.feature]).map((k) => k.resource);
}

/** The features an install plan turns on. */
export function featuresOfPlan(plan: InstallPlan): ChartFeatures {
  return {
    bundledDatabase: plan.database.mode === 'bundled',
    agent: plan.agent.enabled,
    tenantJob: plan.tenant.create,
    ingress: plan.exposure.mode === 'ingress',
    retention:
      (plan.retention?.logsOlderThanDays ?? 0) > 0 ||
      (plan.retention?.flowRunsOlderThanDays ?? 0) > 0,
  };
}

export const allFeatures: ChartFeatures = {
  bundledDatabase: true,
  agent: true,
  tenantJob: true,
  ingress: true,
  retention: true,
};
export const noFeatures: ChartFeatures = {
  bundledDatabase: false,
  agent: false,
  tenantJob: false,
  ingress: false,
  retention: false,
};
