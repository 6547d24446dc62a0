// The one table of install answers. Every answer a user can give (by flag or in the wizard) is a
// row here: its key, its flag and help, the rule its value obeys, the top-level values it renders,
// the wizard section that asks it, and what an upgrade does with it. The flags (commands/),
// `flagOf`, the upgrade's re-rendered sections and refused answers, and the upgrade menu are all
// derived from it, so an answer is described once.
//
// Adding an answer: a row here; its values in values/render-values.ts (and read back in
// values/answers-from-values.ts); its question in the wizard section named by `section`.

import * as rules from './rules.js';
import type { SecretValue } from './secret-value.js';

/**
 * How a value is spelt on the command line and held in the answers:
 * text (a string), port (a TCP port, parsed as the flag is read), switch (a boolean flag, with
 * `negation` its --no- form), list (one comma-separated flag), repeatable (the flag given again
 * and again), choice (one of `choices`), secret (read from standard input, never from argv).
 */
export type AnswerKind = 'text' | 'port' | 'switch' | 'list' | 'repeatable' | 'choice' | 'secret';

/**
 * The wizard's sections, in the order it asks them. The upgrade menu offers the ones that hold
 * changeable answers and runs only the chosen ones.
 */
export const sectionIds = [
  'target',
  'chart',
  'database',
  'agent',
  'exposure',
  'versions',
  'tenant',
  'pull',
  'extra',
] as const;
export type SectionId = (typeof sectionIds)[number];

/**
 * What upgrade does with an answer given as a flag:
 * - changeable: it re-renders the answer's `renders` sections of the values, the rest stay;
 * - resized: changed by a step of its own (the database volume resize), which writes one key;
 * - kept: refused, because it names where the release's data is (the database, the namespace);
 * - ignored: it names the release or the chart to fetch, which upgrade reads on its own.
 */
export type UpgradeRole = 'changeable' | 'resized' | 'kept' | 'ignored';

export interface AnswerSpec {
  /** commander's spelling, e.g. `--db-host <host>` or `-f, --values <file>` */
  flag: string;
  help: string;
  kind: AnswerKind;
  choices?: readonly string[];
  /** help of the `--no-` form of a switch that can be turned off */
  negation?: string;
  /** the rule each value obeys (each element of a list), as buildPlan and the wizard apply it */
  rule?: rules.Rule;
  section: SectionId;
  /** the top-level chart values the answer renders */
  renders: readonly string[];
  upgrade: UpgradeRole;
  /** a flag of `install` alone (the others are install's, upgrade's and values') */
  installOnly?: boolean;
  /**
   * For an answer that is one chart value: its path (`agent.job.imagePullPolicy`). buildPlan
   * carries it, render-values writes it and answers-from-values reads it back, with no code of its
   * own. Only for a key every chart version reads the same way (the released ones included):
   * anything else is rendered by era in values/.
   */
  value?: string;
  /** the switch that must be on for the answer to mean anything (`agent`) */
  needs?: 'agent' | 'tenant' | 'dbPersistence';
}

export const answerSpecs = {
  context: {
    flag: '--context <name>',
    help: 'kube context to use (default: the current context)',
    kind: 'text',
    section: 'target',
    renders: [],
    upgrade: 'ignored',
  },
  kubeconfig: {
    flag: '--kubeconfig <file>',
    help: 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)',
    kind: 'text',
    section: 'target',
    renders: [],
    upgrade: 'ignored',
  },
  namespace: {
    flag: '-n, --namespace <name>',
    help: 'namespace of the release',
    kind: 'text',
    rule: rules.namespaceName,
    section: 'target',
    renders: [],
    upgrade: 'ignored',
  },
  release: {
    flag: '--release <name>',
    help: 'Helm release name (default: prefect-server; for an installed release, the only Prefect Server release of the namespace)',
    kind: 'text',
    rule: rules.releaseName,
    section: 'target',
    renders: [],
    upgrade: 'ignored',
  },
  createNamespace: {
    flag: '--create-namespace',
    help: 'create the namespace if it does not exist',
    kind: 'switch',
    section: 'target',
    renders: [],
    upgrade: 'kept',
    installOnly: true,
  },
  chartSource: {
    flag: '--chart-source <source>',
    help: 'chart to install (default: bundled)',
    kind: 'choice',
    choices: ['bundled', 'repo'],
    section: 'chart',
    renders: [],
    upgrade: 'ignored',
  },
  chartVersion: {
    flag: '--chart-version <version>',
    help: 'chart version from the repository (with --chart-source repo)',
    kind: 'text',
    rule: rules.chartVersion,
    section: 'chart',
    renders: [],
    upgrade: 'ignored',
  },
  repoUrl: {
    flag: '--repo-url <url>',
    help: 'Helm repository of released charts (default: https://prefecthq.github.io/server/)',
    kind: 'text',
    rule: rules.httpUrl,
    section: 'chart',
    renders: [],
    upgrade: 'ignored',
  },
  verify: {
    flag: '--verify',
    help: 'verify the chart signature (released charts)',
    kind: 'switch',
    section: 'chart',
    renders: [],
    upgrade: 'ignored',
  },
  keyring: {
    flag: '--keyring <file>',
    help: 'keyring for --verify (default: the one `prefect-server verify-key` made)',
    kind: 'text',
    section: 'chart',
    renders: [],
    upgrade: 'ignored',
  },
  signingKey: {
    flag: '--signing-key <file>',
    help: 'public key to verify a re-signed mirror with, instead of Prefect’s',
    kind: 'text',
    section: 'chart',
    renders: [],
    upgrade: 'ignored',
  },
  database: {
    flag: '--database <mode>',
    help: 'database',
    kind: 'choice',
    choices: ['bundled', 'external'],
    section: 'database',
    renders: ['postgresql'],
    upgrade: 'kept',
  },
  dbPersistence: {
    flag: '--db-persistence',
    help: 'keep the bundled database on a PersistentVolumeClaim',
    negation: 'bundled database without a volume (data lost with the pod)',
    kind: 'switch',
    section: 'database',
    renders: ['postgresql'],
    upgrade: 'kept',
  },
  // The one database answer upgrade changes, through its own volume resize (upgrade/db-volume.ts).
  dbSize: {
    flag: '--db-size <quantity>',
    help: 'volume size for the bundled database, e.g. 8Gi',
    kind: 'text',
    rule: rules.quantity('Database volume size'),
    section: 'database',
    renders: ['postgresql'],
    upgrade: 'resized',
  },
  dbStorageClass: {
    flag: '--db-storage-class <name>',
    help: 'StorageClass for the bundled database volume',
    kind: 'text',
    rule: rules.dns1123Subdomain('StorageClass'),
    section: 'database',
    renders: ['postgresql'],
    upgrade: 'kept',
  },
  dbHost: {
    flag: '--db-host <host>',
    help: 'external PostgreSQL host',
    kind: 'text',
    rule: rules.databaseHost,
    section: 'database',
    renders: ['postgresql'],
    upgrade: 'kept',
  },
  dbPort: {
    flag: '--db-port <port>',
    help: 'external PostgreSQL port',
    kind: 'port',
    section: 'database',
    renders: ['postgresql'],
    upgrade: 'kept',
  },
  dbName: {
    flag: '--db-name <name>',
    help: 'database name',
    kind: 'text',
    rule: rules.postgresIdentifier('Database name'),
    section: 'database',
    renders: ['postgresql'],
    upgrade: 'kept',
  },
  dbUser: {
    flag: '--db-user <name>',
    help: 'database user',
    kind: 'text',
    rule: rules.postgresIdentifier('Database user'),
    section: 'database',
    renders: ['postgresql'],
    upgrade: 'kept',
  },
  dbExistingSecret: {
    flag: '--db-existing-secret <name>',
    help: 'Secret holding the database password',
    kind: 'text',
    rule: rules.dns1123Subdomain('Secret name'),
    section: 'database',
    renders: ['postgresql'],
    upgrade: 'kept',
  },
  dbPassword: {
    flag: '--db-password-stdin',
    help: 'read the external database password from standard input',
    kind: 'secret',
    section: 'database',
    renders: ['postgresql'],
    upgrade: 'kept',
  },
  // Our chart's retention CronJob (chart/templates/retention/); the released charts have none.
  logRetentionDays: {
    flag: '--log-retention-days <days>',
    help: 'delete logs older than this many days with a nightly CronJob (chart shipped with this CLI; 0: keep all logs, the default)',
    kind: 'text',
    rule: rules.retentionDays,
    section: 'database',
    renders: ['retention'],
    upgrade: 'changeable',
  },
  // Not asked by the wizard: deleting finished flow runs (their history in the UI) is a choice to
  // make knowingly, by flag, not a default to accept with Enter.
  flowRunRetentionDays: {
    flag: '--flow-run-retention-days <days>',
    help: 'the same CronJob also deletes finished flow runs older than this many days, with their task runs, states and logs (0: keep them, the default)',
    kind: 'text',
    rule: rules.retentionDays,
    section: 'database',
    renders: ['retention'],
    upgrade: 'changeable',
  },
  agent: {
    flag: '--agent',
    help: 'deploy the Prefect Kubernetes agent',
    negation: 'do not deploy the agent',
    kind: 'switch',
    section: 'agent',
    renders: ['agent'],
    upgrade: 'changeable',
  },
  agentLabels: {
    flag: '--agent-labels <labels>',
    help: 'comma-separated Prefect labels for the agent',
    kind: 'list',
    rule: rules.prefectLabel,
    section: 'agent',
    renders: ['agent'],
    upgrade: 'changeable',
  },
  jobCpuRequest: {
    flag: '--job-cpu-request <quantity>',
    help: 'CPU request of flow-run jobs started by the agent',
    kind: 'text',
    rule: rules.quantity('Job resource'),
    section: 'agent',
    renders: ['agent'],
    upgrade: 'changeable',
  },
  jobCpuLimit: {
    flag: '--job-cpu-limit <quantity>',
    help: 'CPU limit of flow-run jobs',
    kind: 'text',
    rule: rules.quantity('Job resource'),
    section: 'agent',
    renders: ['agent'],
    upgrade: 'changeable',
  },
  jobMemoryRequest: {
    flag: '--job-memory-request <quantity>',
    help: 'memory request of flow-run jobs',
    kind: 'text',
    rule: rules.quantity('Job resource'),
    section: 'agent',
    renders: ['agent'],
    upgrade: 'changeable',
  },
  jobMemoryLimit: {
    flag: '--job-memory-limit <quantity>',
    help: 'memory limit of flow-run jobs',
    kind: 'text',
    rule: rules.quantity('Job resource'),
    section: 'agent',
    renders: ['agent'],
    upgrade: 'changeable',
  },
  jobImagePullPolicy: {
    flag: '--job-image-pull-policy <policy>',
    help: 'image pull policy of flow-run jobs (default: Kubernetes’, Always for :latest tags)',
    kind: 'choice',
    choices: ['Always', 'IfNotPresent', 'Never'],
    section: 'agent',
    renders: ['agent'],
    upgrade: 'changeable',
    // IMAGE_PULL_POLICY of the agent, which every chart version sets from this key.
    value: 'agent.job.imagePullPolicy',
    needs: 'agent',
  },
  expose: {
    flag: '--expose <mode>',
    help: 'how the API and UI are reached',
    kind: 'choice',
    choices: ['port-forward', 'loadbalancer', 'ingress'],
    section: 'exposure',
    renders: ['apollo', 'ui'],
    upgrade: 'changeable',
  },
  ingressClass: {
    flag: '--ingress-class <name>',
    help: 'IngressClass for --expose ingress',
    kind: 'text',
    rule: rules.dns1123Subdomain('IngressClass'),
    section: 'exposure',
    renders: ['apollo', 'ui'],
    upgrade: 'changeable',
  },
  apiHost: {
    flag: '--api-host <host>',
    help: 'host name of the API Ingress',
    kind: 'text',
    rule: rules.hostName,
    section: 'exposure',
    renders: ['apollo', 'ui'],
    upgrade: 'changeable',
  },
  uiHost: {
    flag: '--ui-host <host>',
    help: 'host name of the UI Ingress',
    kind: 'text',
    rule: rules.hostName,
    section: 'exposure',
    renders: ['ui'],
    upgrade: 'changeable',
  },
  tlsSecret: {
    flag: '--tls-secret <name>',
    help: 'TLS Secret for the Ingress hosts',
    kind: 'text',
    rule: rules.dns1123Subdomain('TLS Secret name'),
    section: 'exposure',
    renders: ['apollo', 'ui'],
    upgrade: 'changeable',
  },
  apiUrl: {
    flag: '--api-url <url>',
    help: 'API URL as the browser sees it (ui.apolloApiUrl) when it cannot be derived',
    kind: 'text',
    rule: rules.httpUrl,
    section: 'exposure',
    // ui.apolloApiUrl only: apollo's own values do not depend on it.
    renders: ['ui'],
    upgrade: 'changeable',
  },
  serverTag: {
    flag: '--server-tag <tag>',
    help: 'image tag of apollo, graphql and towel',
    kind: 'text',
    rule: rules.imageTag,
    section: 'versions',
    renders: ['serverVersionTag'],
    upgrade: 'changeable',
  },
  prefectTag: {
    flag: '--prefect-tag <tag>',
    help: 'image tag of Prefect Core (agent, tenant job)',
    kind: 'text',
    rule: rules.imageTag,
    section: 'versions',
    renders: ['prefectVersionTag'],
    upgrade: 'changeable',
  },
  uiTag: {
    flag: '--ui-tag <tag>',
    help: 'image tag of the UI',
    kind: 'text',
    rule: rules.uiImageTag,
    section: 'versions',
    renders: ['uiVersionTag'],
    upgrade: 'changeable',
  },
  tenant: {
    flag: '--tenant',
    help: 'create a tenant at install',
    negation: 'do not create a tenant',
    kind: 'switch',
    section: 'tenant',
    renders: ['jobs'],
    upgrade: 'changeable',
  },
  tenantName: {
    flag: '--tenant-name <name>',
    help: 'tenant name (default: default)',
    kind: 'text',
    rule: rules.tenantName,
    section: 'tenant',
    renders: ['jobs'],
    upgrade: 'changeable',
  },
  tenantSlug: {
    flag: '--tenant-slug <slug>',
    help: 'tenant slug (default: default)',
    kind: 'text',
    rule: rules.tenantSlug,
    section: 'tenant',
    renders: ['jobs'],
    upgrade: 'changeable',
  },
  imagePullSecrets: {
    flag: '--image-pull-secret <name>',
    help: 'image pull Secret (repeatable)',
    kind: 'repeatable',
    rule: rules.dns1123Subdomain('Image pull Secret'),
    section: 'pull',
    renders: ['imagePullSecrets'],
    upgrade: 'changeable',
  },
  // Applied on top of the generated values, by install and upgrade alike; never asked.
  valuesFiles: {
    flag: '-f, --values <file>',
    help: 'extra values file applied on top (repeatable)',
    kind: 'repeatable',
    section: 'extra',
    renders: [],
    upgrade: 'ignored',
  },
  set: {
    flag: '--set <key=value>',
    help: 'extra value applied on top (repeatable)',
    kind: 'repeatable',
    section: 'extra',
    renders: [],
    upgrade: 'ignored',
  },
} as const satisfies Record<string, AnswerSpec>;

export type AnswerKey = keyof typeof answerSpecs;

type ValueOf<S> = S extends { kind: 'choice'; choices: readonly (infer C)[] }
  ? C
  : S extends { kind: 'text' }
    ? string
    : S extends { kind: 'port' }
      ? number
      : S extends { kind: 'switch' }
        ? boolean
        : S extends { kind: 'list' | 'repeatable' }
          ? string[]
          : S extends { kind: 'secret' }
            ? SecretValue
            : never;

/** What a user said, from flags or prompts; anything left undefined takes its default. */
export type InstallAnswers = {
  [K in AnswerKey]?: ValueOf<(typeof answerSpecs)[K]> | undefined;
};

export const answerKeys = Object.keys(answerSpecs) as AnswerKey[];

/** The spec of an answer, widened so that optional fields can be read on any row. */
export function specOf(key: AnswerKey): AnswerSpec {
  return answerSpecs[key];
}

/** The rule of an answer that has one, for a prompt to refuse with (refuse(ruleOf(key))). */
export function ruleOf(key: AnswerKey): rules.Rule {
  const rule = specOf(key).rule;
  if (rule === undefined) throw new Error(`answer ${key} has no rule in the answers table`);
  return rule;
}

/** `--db-host` of `--db-host <host>`, `--values` of `-f, --values <file>`. */
function longFlag(spelling: string): string {
  const long = spelling.split(/[ ,]+/).find((part) => part.startsWith('--'));
  if (!long) throw new Error(`answer flag without a long form: ${spelling}`);
  return long;
}

/** The flag that sets each answer, so an error can say exactly what to pass. */
export const flagOf = Object.fromEntries(
  answerKeys.map((key) => [key, longFlag(answerSpecs[key].flag)]),
) as Record<AnswerKey, string>;

/** The keys of a wizard section, in table order. */
export function keysOfSection(section: SectionId): AnswerKey[] {
  return answerKeys.filter((key) => answerSpecs[key].section === section);
}

/** The top-level values an upgrade re-renders for the changed answers (changeable ones only). */
export function sectionsRenderedBy(keys: readonly AnswerKey[]): Set<string> {
  return new Set(
    keys
      .filter((key) => answerSpecs[key].upgrade === 'changeable')
      .flatMap((key) => answerSpecs[key].renders),
  );
}

export function upgradeRoleOf(key: AnswerKey): UpgradeRole {
  return answerSpecs[key].upgrade;
}
