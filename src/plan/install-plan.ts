// The InstallPlan: everything an install or upgrade will do, as plain typed data, validated once.
// Answers come in from flags or from the wizard (both fill the same InstallAnswers); buildPlan
// applies defaults, checks every answer against its rule, and refuses with the flag to fix.

import { InputError } from '../errors.js';
import {
  type AnswerKey,
  type AnswerSpec,
  answerKeys,
  flagOf,
  type InstallAnswers,
  specOf,
} from './answers.js';
import { defaults } from './defaults.js';
import type { SecretValue } from './secret-value.js';

export type { InstallAnswers } from './answers.js';
export { flagOf } from './answers.js';

export type ChartSource = NonNullable<InstallAnswers['chartSource']>;
export type DatabaseMode = NonNullable<InstallAnswers['database']>;
export type ExposureMode = NonNullable<InstallAnswers['expose']>;

export type DatabasePassword =
  | { source: 'generated-by-chart' }
  | { source: 'existing-secret'; secretName: string }
  | { source: 'new-secret'; secretName: string; value: SecretValue };

export type DatabasePlan =
  | {
      mode: 'bundled';
      persistence:
        | { enabled: false }
        | { enabled: true; size: string; storageClass: string | undefined };
    }
  | {
      mode: 'external';
      host: string;
      port: number;
      database: string;
      user: string;
      password: Exclude<DatabasePassword, { source: 'generated-by-chart' }>;
    };

export type ExposurePlan =
  | { mode: 'port-forward' }
  | { mode: 'loadbalancer' }
  | {
      mode: 'ingress';
      ingressClass: string | undefined;
      apiHost: string;
      uiHost: string;
      tlsSecret: string | undefined;
    };

export interface JobResources {
  cpuRequest?: string | undefined;
  cpuLimit?: string | undefined;
  memoryRequest?: string | undefined;
  memoryLimit?: string | undefined;
}

export interface InstallPlan {
  cluster: { context: string | undefined; kubeconfig: string | undefined };
  namespace: string;
  createNamespace: boolean;
  release: string;
  chart:
    | { source: 'bundled' }
    | {
        source: 'repo';
        repoUrl: string;
        version: string | undefined;
        verify: boolean;
        keyring: string | undefined;
        signingKey: string | undefined;
      };
  database: DatabasePlan;
  agent: { enabled: false } | { enabled: true; labels: string[]; job: JobResources };
  exposure: ExposurePlan;
  /** The API URL the UI hands to the user's browser (ui.apolloApiUrl). */
  apiUrl: string;
  /** Image tags the user chose; an absent tag means the chart's own default. */
  versions: { server: string | undefined; prefect: string | undefined; ui: string | undefined };
  tenant: { create: false } | { create: true; name: string; slug: string };
  imagePullSecrets: string[];
  extra: { valuesFiles: string[]; set: string[] };
  /** Answers that are one chart value each (plan/answers.ts `value`), at their paths */
  settings: ChartSetting[];
  /** The retention CronJob, when asked for (0 days: that part off); absent, the chart's default (off). */
  retention?: { logsOlderThanDays: number; flowRunsOlderThanDays: number };
}

export interface ChartSetting {
  key: AnswerKey;
  /** the chart value's path, e.g. `agent.job.imagePullPolicy` */
  path: string;
  value: string | number | boolean | string[];
}

/** The answers that are one chart value each, checked by their rule and the switch they need. */
function chartSettings(
  answers: InstallAnswers,
  on: Record<NonNullable<AnswerSpec['needs']>, boolean>,
): ChartSetting[] {
  return answerKeys.flatMap((key) => {
    const spec = specOf(key);
    const value = answers[key];
    if (spec.value === undefined || value === undefined) return [];
    if (spec.needs !== undefined && !on[spec.needs])
      throw new InputError(`${flagOf[key]} needs ${flagOf[spec.needs]}.`);
    for (const item of Array.isArray(value) ? value : [value])
      if (typeof item === 'string') check(key, item);
    return [{ key, path: spec.value, value: value as ChartSetting['value'] }];
  });
}

export { defaults } from './defaults.js';

/** The answer's rule from the answers table, refused as bad input naming the flag. */
function check(key: AnswerKey, value: string | undefined): void {
  const rule = specOf(key).rule;
  if (value === undefined || rule === undefined) return;
  const problem = rule(value);
  if (problem !== undefined) throw new InputError(`${flagOf[key]}: ${problem}`);
}

function required<K extends keyof InstallAnswers>(
  answers: InstallAnswers,
  key: K,
  why: string,
): NonNullable<InstallAnswers[K]> {
  const value = answers[key];
  if (value === undefined || value === '') {
    throw new InputError(
      `${flagOf[key]} is required ${why}.`,
      'Pass it, or run without --yes in a terminal to be asked.',
    );
  }
  return value as NonNullable<InstallAnswers[K]>;
}

/** Keys whose values are passwords: refused in --set, where they would show in helm's argv. */
const secretKeyPattern = /password|secret(?!Name)|token/i;

/** The browser-facing API URL for an exposure, or undefined when only the user can know it. */
export function deriveApiUrl(exposure: ExposurePlan): string | undefined {
  switch (exposure.mode) {
    case 'port-forward':
      return defaults.portForwardApiUrl;
    case 'ingress':
      return `${exposure.tlsSecret ? 'https' : 'http'}://${exposure.apiHost}/graphql`;
    case 'loadbalancer':
      // The address is only known once the cloud has provisioned it.
      return undefined;
  }
}

function buildDatabase(answers: InstallAnswers, release: string): DatabasePlan {
  const mode = answers.database ?? 'bundled';
  if (mode === 'bundled') {
    for (const key of ['dbHost', 'dbExistingSecret', 'dbPassword'] as const) {
      if (answers[key] !== undefined) {
        throw new InputError(
          `${flagOf[key]} is for an external database; add --database external or leave it out.`,
        );
      }
    }
    check('dbSize', answers.dbSize);
    check('dbStorageClass', answers.dbStorageClass);
    const persistent = answers.dbPersistence ?? false;
    if (!persistent && (answers.dbSize !== undefined || answers.dbStorageClass !== undefined)) {
      throw new InputError(
        '--db-size and --db-storage-class need --db-persistence (a volume for the database).',
      );
    }
    return {
      mode,
      persistence: persistent
        ? {
            enabled: true,
            size: answers.dbSize ?? defaults.dbSize,
            storageClass: answers.dbStorageClass,
          }
        : { enabled: false },
    };
  }
  const host = required(answers, 'dbHost', 'with --database external');
  check('dbHost', host);
  check('dbName', answers.dbName);
  check('dbUser', answers.dbUser);
  check('dbExistingSecret', answers.dbExistingSecret);
  if (
    answers.dbPersistence !== undefined ||
    answers.dbSize !== undefined ||
    answers.dbStorageClass !== undefined
  ) {
    throw new InputError(
      '--db-persistence, --db-size and --db-storage-class are for the bundled database.',
    );
  }
  if (answers.dbExistingSecret !== undefined && answers.dbPassword !== undefined) {
    throw new InputError('Give either --db-existing-secret or --db-password-stdin, not both.');
  }
  let password: Exclude<DatabasePassword, { source: 'generated-by-chart' }>;
  if (answers.dbExistingSecret !== undefined) {
    password = { source: 'existing-secret', secretName: answers.dbExistingSecret };
  } else if (answers.dbPassword !== undefined) {
    password = {
      source: 'new-secret',
      secretName: `${release}-postgresql-external`,
      value: answers.dbPassword,
    };
  } else {
    throw new InputError(
      'An external database needs its password: --db-existing-secret NAME (a Secret holding it) or --db-password-stdin.',
      'Passwords are never taken as a flag value: they would be visible to every user of this machine in `ps`.',
    );
  }
  return {
    mode,
    host,
    port: answers.dbPort ?? defaults.dbPort,
    database: answers.dbName ?? defaults.dbName,
    user: answers.dbUser ?? defaults.dbUser,
    password,
  };
}

function buildExposure(answers: InstallAnswers): ExposurePlan {
  const mode = answers.expose ?? 'port-forward';
  const ingressOnly = ['ingressClass', 'apiHost', 'uiHost', 'tlsSecret'] as const;
  if (mode !== 'ingress') {
    for (const key of ingressOnly) {
      if (answers[key] !== undefined)
        throw new InputError(`${flagOf[key]} needs --expose ingress.`);
    }
    return { mode };
  }
  const apiHost = required(answers, 'apiHost', 'with --expose ingress');
  const uiHost = required(answers, 'uiHost', 'with --expose ingress');
  check('apiHost', apiHost);
  check('uiHost', uiHost);
  check('ingressClass', answers.ingressClass);
  check('tlsSecret', answers.tlsSecret);
  return {
    mode,
    ingressClass: answers.ingressClass,
    apiHost,
    uiHost,
    tlsSecret: answers.tlsSecret,
  };
}

/** Validates answers and fills in defaults. Throws InputError (exit 2) naming the flag to fix. */
export function buildPlan(answers: InstallAnswers): InstallPlan {
  const namespace = answers.namespace ?? defaults.namespace;
  check('namespace', namespace);
  const release = answers.release ?? defaults.release;
  check('release', release);

  // --repo-url names a repository of released charts: it means --chart-source repo.
  const chartSource = answers.chartSource ?? (answers.repoUrl !== undefined ? 'repo' : 'bundled');
  if (chartSource === 'bundled') {
    for (const key of ['chartVersion', 'repoUrl', 'verify', 'keyring', 'signingKey'] as const) {
      if (answers[key] !== undefined && answers[key] !== false) {
        throw new InputError(`${flagOf[key]} is for released charts; add --chart-source repo.`);
      }
    }
  }
  check('repoUrl', answers.repoUrl);
  check('chartVersion', answers.chartVersion);

  const database = buildDatabase(answers, release);

  const agentEnabled = answers.agent ?? false;
  const jobKeys = ['jobCpuRequest', 'jobCpuLimit', 'jobMemoryRequest', 'jobMemoryLimit'] as const;
  if (!agentEnabled) {
    for (const key of [...jobKeys, 'agentLabels'] as const) {
      if (answers[key] !== undefined) throw new InputError(`${flagOf[key]} needs --agent.`);
    }
  }
  for (const key of jobKeys) check(key, answers[key]);
  for (const label of answers.agentLabels ?? []) check('agentLabels', label);

  const exposure = buildExposure(answers);
  if (answers.apiUrl !== undefined) check('apiUrl', answers.apiUrl);
  const apiUrl = answers.apiUrl ?? deriveApiUrl(exposure);
  if (apiUrl === undefined) {
    throw new InputError(
      '--api-url is required with --expose loadbalancer: the URL at which browsers will reach the API, e.g. http://prefect-api.example.com:4200/graphql.',
      'Point a DNS name at the load balancer once it has an address, or use --expose ingress to have it derived.',
    );
  }

  check('serverTag', answers.serverTag);
  check('prefectTag', answers.prefectTag);
  check('uiTag', answers.uiTag);

  const createTenant = answers.tenant ?? true;
  check('tenantName', answers.tenantName);
  check('tenantSlug', answers.tenantSlug);

  for (const name of answers.imagePullSecrets ?? []) check('imagePullSecrets', name);
  check('logRetentionDays', answers.logRetentionDays);
  check('flowRunRetentionDays', answers.flowRunRetentionDays);
  const retentionKey =
    Number(answers.logRetentionDays ?? 0) > 0
      ? 'logRetentionDays'
      : Number(answers.flowRunRetentionDays ?? 0) > 0
        ? 'flowRunRetentionDays'
        : undefined;
  if (retentionKey !== undefined && chartSource !== 'bundled') {
    // Refused rather than ignored: the user asked for logs to be deleted and would get nothing.
    // 0 (keep all logs) is what a released chart does anyway.
    throw new InputError(
      `${flagOf[retentionKey]} needs the chart shipped with this CLI: the released charts have no retention CronJob.`,
      'Drop the flag and run `prefect-server prune --older-than 30d` when needed, or install the bundled chart (--chart-source bundled).',
    );
  }
  for (const entry of answers.set ?? []) {
    const key = entry.split('=')[0] ?? '';
    if (!entry.includes('=') || key === '')
      throw new InputError(`--set "${entry}" must have the form key=value.`);
    if (secretKeyPattern.test(key)) {
      throw new InputError(
        `--set ${key}=... would put a secret on helm's command line, where every user of this machine can read it.`,
        'Put it in a values file (-f FILE, mode 0600), or use --db-existing-secret / --db-password-stdin.',
      );
    }
  }

  return {
    cluster: { context: answers.context, kubeconfig: answers.kubeconfig },
    namespace,
    createNamespace: answers.createNamespace ?? false,
    release,
    chart:
      chartSource === 'bundled'
        ? { source: 'bundled' }
        : {
            source: 'repo',
            repoUrl: answers.repoUrl ?? defaults.repoUrl,
            version: answers.chartVersion,
            verify: answers.verify ?? false,
            keyring: answers.keyring,
            signingKey: answers.signingKey,
          },
    database,
    agent: agentEnabled
      ? {
          enabled: true,
          labels: answers.agentLabels ?? [],
          job: {
            cpuRequest: answers.jobCpuRequest,
            cpuLimit: answers.jobCpuLimit,
            memoryRequest: answers.jobMemoryRequest,
            memoryLimit: answers.jobMemoryLimit,
          },
        }
      : { enabled: false },
    exposure,
    apiUrl,
    versions: { server: answers.serverTag, prefect: answers.prefectTag, ui: answers.uiTag },
    tenant: createTenant
      ? {
          create: true,
          name: answers.tenantName ?? defaults.tenantName,
          slug: answers.tenantSlug ?? defaults.tenantSlug,
        }
      : { create: false },
    imagePullSecrets: answers.imagePullSecrets ?? [],
    extra: { valuesFiles: answers.valuesFiles ?? [], set: answers.set ?? [] },
    settings: chartSettings(answers, {
      agent: agentEnabled,
      tenant: createTenant,
      dbPersistence: database.mode === 'bundled' && database.persistence.enabled,
    }),
    ...((answers.logRetentionDays !== undefined || answers.flowRunRetentionDays !== undefined) && {
      retention: {
        logsOlderThanDays: Number(answers.logRetentionDays ?? 0),
        flowRunsOlderThanDays: Number(answers.flowRunRetentionDays ?? 0),
      },
    }),
  };
}
