// The reverse of renderValues: a release's user-supplied values -> the install answers they mean,
// so `upgrade` can show and change what was chosen at install without asking for it again.
// Values written by hand for the original chart are read too (both eras of database keys).
import { answerKeys, specOf } from '../plan/answers.js';
import { defaults, type InstallAnswers } from '../plan/install-plan.js';
import type { Values } from './render-values.js';
import { translateValues } from './translate-era.js';

const isObject = (v: unknown): v is Values =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const at = (v: unknown, ...path: string[]): unknown => {
  let node = v;
  for (const key of path) node = isObject(node) ? node[key] : undefined;
  return node;
};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

function pullSecretNames(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  return v.map((entry) => (isObject(entry) ? String(entry.name) : String(entry)));
}

export function answersFromValues(userValues: Values, release: string): InstallAnswers {
  const values = translateValues(userValues, '2022.09').values;
  const answers: InstallAnswers = {
    serverTag: str(values.serverVersionTag),
    prefectTag: str(values.prefectVersionTag),
    uiTag: str(values.uiVersionTag),
    imagePullSecrets: pullSecretNames(values.imagePullSecrets),
  };

  const pg = values.postgresql;
  if (at(pg, 'useSubChart') === false) {
    answers.database = 'external';
    answers.dbHost = str(at(pg, 'externalHostname'));
    const port = at(pg, 'primary', 'service', 'ports', 'postgresql');
    answers.dbPort = typeof port === 'number' ? port : undefined;
    answers.dbName = str(at(pg, 'auth', 'database'));
    answers.dbUser = str(at(pg, 'auth', 'username'));
    // A password given as a plain value is stored by the chart in its own Secret.
    answers.dbExistingSecret =
      str(at(pg, 'existingSecret')) ??
      str(at(pg, 'auth', 'existingSecret')) ??
      `${release}-postgresql`;
  } else {
    answers.database = 'bundled';
    const persistence = at(pg, 'primary', 'persistence');
    answers.dbPersistence = bool(at(persistence, 'enabled')) ?? false;
    if (answers.dbPersistence) {
      answers.dbSize = str(at(persistence, 'size'));
      answers.dbStorageClass = str(at(persistence, 'storageClass'));
    }
  }

  answers.agent = bool(at(values, 'agent', 'enabled')) ?? false;
  if (answers.agent) {
    const labels = at(values, 'agent', 'prefectLabels');
    answers.agentLabels = Array.isArray(labels) ? labels.map(String) : undefined;
    const resources = at(values, 'agent', 'job', 'resources');
    answers.jobCpuRequest = str(at(resources, 'requests', 'cpu'));
    answers.jobMemoryRequest = str(at(resources, 'requests', 'memory'));
    answers.jobCpuLimit = str(at(resources, 'limits', 'cpu'));
    answers.jobMemoryLimit = str(at(resources, 'limits', 'memory'));
  }

  const apiUrl = str(at(values, 'ui', 'apolloApiUrl'));
  if (
    at(values, 'apollo', 'ingress', 'enabled') === true ||
    at(values, 'ui', 'ingress', 'enabled') === true
  ) {
    answers.expose = 'ingress';
    const hostOf = (component: string) => {
      const hosts = at(values, component, 'ingress', 'hosts');
      const first = Array.isArray(hosts) ? hosts[0] : undefined;
      return isObject(first) ? str(first.host) : str(first);
    };
    answers.apiHost = hostOf('apollo');
    answers.uiHost = hostOf('ui');
    const tls = at(values, 'apollo', 'ingress', 'tls');
    answers.tlsSecret = Array.isArray(tls) ? str(at(tls[0], 'secretName')) : undefined;
    answers.ingressClass = str(at(values, 'apollo', 'ingress', 'ingressClassName'));
    const derived = `${answers.tlsSecret ? 'https' : 'http'}://${answers.apiHost}/graphql`;
    if (apiUrl && apiUrl !== derived) answers.apiUrl = apiUrl;
  } else if (at(values, 'apollo', 'service', 'type') === 'LoadBalancer') {
    answers.expose = 'loadbalancer';
    answers.apiUrl = apiUrl;
  } else {
    answers.expose = 'port-forward';
    if (apiUrl && apiUrl !== defaults.portForwardApiUrl) answers.apiUrl = apiUrl;
  }

  const tenant = at(values, 'jobs', 'createTenant');
  answers.tenant = bool(at(tenant, 'enabled')) ?? false;
  if (answers.tenant) {
    answers.tenantName = str(at(tenant, 'tenant', 'name'));
    answers.tenantSlug = str(at(tenant, 'tenant', 'slug'));
  }
  // The retention CronJob of our chart: read back only when on, so an upgrade keeps it.
  const retention = at(values, 'retention');
  if (bool(at(retention, 'enabled')) === true) {
    // The chart's defaults when a key is not in the values: logs 30 days, flow runs kept.
    const logs = at(retention, 'logsOlderThanDays') ?? 30;
    const runs = at(retention, 'flowRunsOlderThanDays') ?? 0;
    if (typeof logs === 'number') answers.logRetentionDays = String(logs);
    if (typeof runs === 'number') answers.flowRunRetentionDays = String(runs);
  }
  return { ...answers, ...chartSettingAnswers(values, answers) };
}

/** The answers that are one chart value each (plan/answers.ts `value`), read at their paths. */
function chartSettingAnswers(values: Values, answers: InstallAnswers): InstallAnswers {
  const read: Record<string, unknown> = {};
  for (const key of answerKeys) {
    const { value: path, needs } = specOf(key);
    if (path === undefined || (needs !== undefined && answers[needs] !== true)) continue;
    const value = at(values, ...path.split('.'));
    // An empty string is the chart's "not set".
    if (value !== undefined && value !== null && value !== '') read[key] = value;
  }
  return read as InstallAnswers;
}
