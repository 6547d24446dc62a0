// plan -> the override values helm receives. Pure: the same plan always gives the same values,
// and no password ever lands in them (a password travels only inside a Kubernetes Secret).
import { InputError } from '../errors.js';
import type { InstallPlan, JobResources } from '../plan/install-plan.js';
import { toYaml } from './to-yaml.js';
import { firstIngressVersion, readsIngress, type ValuesEra, valuesEraFor } from './values-era.js';

export type Values = Record<string, unknown>;

function jobResources(job: JobResources): Values | undefined {
  const requests: Values = {};
  const limits: Values = {};
  if (job.cpuRequest) requests.cpu = job.cpuRequest;
  if (job.memoryRequest) requests.memory = job.memoryRequest;
  if (job.cpuLimit) limits.cpu = job.cpuLimit;
  if (job.memoryLimit) limits.memory = job.memoryLimit;
  const resources: Values = {};
  if (Object.keys(requests).length) resources.requests = requests;
  if (Object.keys(limits).length) resources.limits = limits;
  return Object.keys(resources).length ? resources : undefined;
}

function databaseValues(plan: InstallPlan, era: ValuesEra): Values {
  const db = plan.database;
  if (db.mode === 'bundled') {
    const persistence: Values = db.persistence.enabled
      ? {
          enabled: true,
          size: db.persistence.size,
          ...(db.persistence.storageClass ? { storageClass: db.persistence.storageClass } : {}),
        }
      : { enabled: false };
    return era === 'seed'
      ? { useSubChart: true, persistence }
      : { useSubChart: true, primary: { persistence } };
  }
  const secretName = db.password.secretName;
  if (era === 'seed') {
    return {
      useSubChart: false,
      externalHostname: db.host,
      postgresqlUsername: db.user,
      postgresqlDatabase: db.database,
      existingSecret: secretName,
      servicePort: db.port,
    };
  }
  // Every released chart (and ours) reads the Secret's name from the top-level key; the 2022.09
  // releases ignore `auth.existingSecret` and would point the pods at `<release>-postgresql`.
  return {
    useSubChart: false,
    externalHostname: db.host,
    existingSecret: secretName,
    auth: { username: db.user, database: db.database },
    primary: { service: { ports: { postgresql: db.port } } },
  };
}

function ingressValues(
  host: string,
  tlsSecret: string | undefined,
  className: string | undefined,
): Values {
  return {
    enabled: true,
    ...(className ? { ingressClassName: className } : {}),
    hosts: [host],
    path: '/',
    ...(tlsSecret ? { tls: [{ hosts: [host], secretName: tlsSecret }] } : {}),
  };
}

/**
 * The override values for a plan, shaped for the chart (and chart version) the plan installs:
 * a released version gets only keys that version reads. A plan it cannot carry out is bad input.
 */
export function renderValues(plan: InstallPlan): Values {
  const era = valuesEraFor(plan.chart);
  const ingress = readsIngress(plan.chart);
  if (plan.exposure.mode === 'ingress' && !ingress && plan.chart.source === 'repo') {
    throw new InputError(
      `--expose ingress: chart ${plan.chart.version} has no Ingress (the released charts have one from ${firstIngressVersion} on).`,
      `Pick --chart-version ${firstIngressVersion} or later, or --expose loadbalancer / port-forward.`,
    );
  }
  const values: Values = {};

  if (plan.versions.server) values.serverVersionTag = plan.versions.server;
  if (plan.versions.prefect) values.prefectVersionTag = plan.versions.prefect;
  if (plan.versions.ui) values.uiVersionTag = plan.versions.ui;
  if (plan.imagePullSecrets.length)
    values.imagePullSecrets = plan.imagePullSecrets.map((name) => ({ name }));

  values.postgresql = databaseValues(plan, era);

  if (plan.agent.enabled) {
    const resources = jobResources(plan.agent.job);
    values.agent = {
      enabled: true,
      prefectLabels: plan.agent.labels,
      ...(resources ? { job: { resources } } : {}),
    };
  } else {
    values.agent = { enabled: false };
  }

  // Service types are always written: the released charts default to LoadBalancer, ours to ClusterIP.
  const exposure = plan.exposure;
  const serviceType = exposure.mode === 'loadbalancer' ? 'LoadBalancer' : 'ClusterIP';
  const apollo: Values = { service: { type: serviceType } };
  const ui: Values = { service: { type: serviceType }, apolloApiUrl: plan.apiUrl };
  if (exposure.mode === 'ingress') {
    apollo.ingress = ingressValues(exposure.apiHost, exposure.tlsSecret, exposure.ingressClass);
    ui.ingress = ingressValues(exposure.uiHost, exposure.tlsSecret, exposure.ingressClass);
  } else if (ingress) {
    // Written even when off, so an upgrade away from Ingress turns the Ingresses off.
    apollo.ingress = { enabled: false };
    ui.ingress = { enabled: false };
  }
  values.apollo = apollo;
  values.ui = ui;

  values.jobs = {
    createTenant: plan.tenant.create
      ? { enabled: true, tenant: { name: plan.tenant.name, slug: plan.tenant.slug } }
      : { enabled: false },
  };
  // Only our chart has the CronJob (buildPlan refuses the answer for a released one); written
  // only when asked, so an install that never asked keeps the chart's default (off).
  if (plan.retention !== undefined && era === 'bundled') {
    const { logsOlderThanDays, flowRunsOlderThanDays } = plan.retention;
    values.retention =
      logsOlderThanDays > 0 || flowRunsOlderThanDays > 0
        ? { enabled: true, logsOlderThanDays, flowRunsOlderThanDays }
        : { enabled: false };
  }
  for (const setting of plan.settings) setAt(values, setting.path.split('.'), setting.value);
  return values;
}

/** Sets a value at a path, making the objects on the way (the sections above were written first). */
function setAt(values: Values, path: string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    values[head] = value;
    return;
  }
  const next = values[head];
  const child: Values =
    next !== null && typeof next === 'object' && !Array.isArray(next) ? (next as Values) : {};
  values[head] = child;
  setAt(child, rest, value);
}

/** The values as the YAML file helm reads, with a header saying where it came from. */
export function valuesToYaml(values: Values): string {
  return `# Override values generated by prefect-server-install. They hold no password.\n${toYaml(values)}`;
}
