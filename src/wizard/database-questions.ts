// Where Prefect's PostgreSQL lives: in the release (with or without a volume) or outside the
// cluster, where the user must prepare it and hand us its password without it ever showing.

import { ruleOf } from '../plan/answers.js';
import { defaults, type InstallAnswers } from '../plan/install-plan.js';
import * as rules from '../plan/rules.js';
import { SecretValue } from '../plan/secret-value.js';
import { releasedEra } from '../values/values-era.js';
import { firstLine, type Prompter, refuse } from './prompter.js';
import type { ClusterFacts, WizardContext } from './wizard-context.js';

/** What an external database needs before Hasura can use it (FACTS.md, "Database requirements"). */
export const externalDatabaseRequirements = [
  'An external database must be PostgreSQL 11 or newer. Run once in the Prefect database, as a superuser:',
  '  CREATE EXTENSION IF NOT EXISTS pgcrypto;',
  '  CREATE EXTENSION IF NOT EXISTS "pg_trgm";',
  "  SET TIME ZONE 'UTC';",
  'If Hasura used this database before, its user must own schema hdb_catalog and the function',
  'hdb_catalog.insert_event_log; check and fix with:',
  "  SELECT proname, proowner::regrole FROM pg_proc WHERE pronamespace::regnamespace::text = 'hdb_catalog';",
  '  ALTER FUNCTION hdb_catalog.insert_event_log OWNER TO <user>;',
  'Check it any time with: prefect-server doctor --category database',
];

export async function askDatabase(
  p: Prompter,
  a: InstallAnswers,
  ctx: WizardContext,
  facts: ClusterFacts,
): Promise<void> {
  a.database ??= impliedDatabase(a) ?? (await askDatabaseMode(p));
  if (a.database === 'bundled') await askBundledDatabase(p, a, facts);
  else await askExternalDatabase(p, a, ctx, facts);
  if (a.logRetentionDays === undefined && chartSourceOf(a) === 'bundled')
    a.logRetentionDays = await askLogRetention(p);
}

function chartSourceOf(a: InstallAnswers): 'bundled' | 'repo' {
  return a.chartSource ?? (a.repoUrl !== undefined ? 'repo' : 'bundled');
}

/**
 * The log table is what grows (users of the original chart report tens of GB). Only our chart has
 * the CronJob, so a released chart is not asked; nothing is deleted unless the user says so.
 */
function askLogRetention(p: Prompter): Promise<string> {
  return p.input({
    message: 'Delete logs older than how many days, every night? (0: keep all logs)',
    default: '0',
    validate: refuse(ruleOf('logRetentionDays')),
  });
}

/** Flags that only make sense for one mode answer the question already. */
function impliedDatabase(a: InstallAnswers): InstallAnswers['database'] {
  if (a.dbHost !== undefined || a.dbExistingSecret !== undefined || a.dbPassword !== undefined)
    return 'external';
  if (a.dbPersistence !== undefined || a.dbSize !== undefined || a.dbStorageClass !== undefined)
    return 'bundled';
  return undefined;
}

function askDatabaseMode(p: Prompter): Promise<'bundled' | 'external'> {
  return p.select({
    message: 'Database',
    choices: [
      {
        value: 'bundled' as const,
        name: 'bundled — a PostgreSQL pod in the release (for trying Prefect out)',
      },
      {
        value: 'external' as const,
        name: 'external — an existing PostgreSQL 11+ (recommended for production)',
      },
    ],
    default: 'bundled',
  });
}

async function askBundledDatabase(p: Prompter, a: InstallAnswers, facts: ClusterFacts) {
  const defaultClass = facts.storageClasses.find((storageClass) => storageClass.isDefault);
  if (a.dbPersistence === undefined) {
    // A size or class given as a flag only means something with a volume.
    a.dbPersistence =
      a.dbSize !== undefined ||
      a.dbStorageClass !== undefined ||
      (await p.confirm({
        message: 'Keep the database on a persistent volume?',
        default: defaultClass !== undefined,
      }));
    if (!a.dbPersistence) p.warn('Without a volume, all flow runs are lost when the pod restarts.');
  }
  if (!a.dbPersistence) return;
  a.dbSize ??= await p.input({
    message: 'Database volume size',
    default: defaults.dbSize,
    validate: refuse(ruleOf('dbSize')),
  });
  a.dbStorageClass ??= await askStorageClass(p, facts, defaultClass?.name);
}

function askStorageClass(
  p: Prompter,
  facts: ClusterFacts,
  defaultClass: string | undefined,
): Promise<string> {
  if (facts.storageClasses.length === 0) {
    p.warn('The cluster has no StorageClass: name the one the volume will be provisioned with.');
    return p.input({
      message: 'StorageClass of the database volume',
      validate: refuse(ruleOf('dbStorageClass')),
    });
  }
  return p.select({
    message: 'StorageClass of the database volume',
    choices: facts.storageClasses.map((storageClass) => ({
      value: storageClass.name,
      name: storageClass.isDefault ? `${storageClass.name} (default)` : storageClass.name,
    })),
    ...(defaultClass !== undefined && { default: defaultClass }),
  });
}

async function askExternalDatabase(
  p: Prompter,
  a: InstallAnswers,
  ctx: WizardContext,
  facts: ClusterFacts,
) {
  // Said before the questions: a database missing these fails only later, inside Hasura's logs.
  for (const line of externalDatabaseRequirements) p.say(line);
  a.dbHost ??= await p.input({
    message: 'Database host',
    validate: refuse(ruleOf('dbHost')),
  });
  a.dbPort ??= Number(
    await p.input({
      message: 'Database port',
      default: String(defaults.dbPort),
      validate: refuse(rules.port),
    }),
  );
  a.dbName ??= await p.input({
    message: 'Database name',
    default: defaults.dbName,
    validate: refuse(ruleOf('dbName')),
  });
  a.dbUser ??= await p.input({
    message: 'Database user',
    default: defaults.dbUser,
    validate: refuse(ruleOf('dbUser')),
  });
  if (a.dbExistingSecret !== undefined || a.dbPassword !== undefined) return;
  const namespace = a.namespace ?? defaults.namespace;
  if (!facts.namespaces.includes(namespace)) {
    // A namespace this install creates cannot hold a Secret yet.
    p.say(`Namespace ${namespace} is new, so the password goes into a new Secret there.`);
    a.dbPassword = await askPassword(p, a.dbUser);
    return;
  }
  const source = await p.select({
    message: `Where is the password of database user ${a.dbUser}?`,
    choices: [
      { value: 'existing' as const, name: 'an existing Secret' },
      { value: 'typed' as const, name: 'type it now (stored in a new Secret)' },
    ],
    default: 'existing',
  });
  if (source === 'existing') a.dbExistingSecret = await askExistingSecret(p, a, ctx);
  else a.dbPassword = await askPassword(p, a.dbUser);
}

function askExistingSecret(p: Prompter, a: InstallAnswers, ctx: WizardContext): Promise<string> {
  const namespace = a.namespace ?? defaults.namespace;
  const nameRule = ruleOf('dbExistingSecret');
  return p.input({
    message: `Secret in namespace ${namespace} holding the password`,
    validate: async (name) => {
      const problem = nameRule(name);
      if (problem !== undefined) return problem;
      try {
        const era = chartSourceOf(a) === 'repo' ? releasedEra(a.chartVersion) : 'bundled';
        return (await ctx.checkExistingSecret(a.context, namespace, name, era)) ?? true;
      } catch (error) {
        // A rejected validate would escape the prompt as an unhandled rejection.
        return `Could not check Secret "${name}": ${firstLine(error)}`;
      }
    },
  });
}

async function askPassword(p: Prompter, user: string): Promise<SecretValue> {
  return new SecretValue(
    await p.password({
      message: `Password of database user ${user}`,
      validate: (value) => (value.length > 0 ? true : 'The password must not be empty.'),
    }),
  );
}
