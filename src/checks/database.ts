// doctor: the database as hasura and graphql use it. Where it is and which Secret holds the
// password are read from the hasura Deployment itself (its connection URL and PGPASSWORD), so
// doctor checks what the pods really use. It is reached through a port-forward to its Service, or
// directly with --database-url, with the PostgreSQL client library: the password goes from the
// Secret (or PGPASSWORD) into the client's config object, never into argv, never printed.
import type { Client } from 'pg';
import { InputError } from '../errors.js';
import {
  componentLabel,
  componentSelector,
  instanceSelector,
  nameLabel,
} from '../release/labels.js';
import type { NamedObject, Workload } from '../tools/kube-objects.js';
import { stderrReason } from '../tools/run-tool.js';
import { type CheckResult, fail, pass, warn } from '../ui/check.js';
import { byComponent } from './cluster-state.js';
import { CannotRun, type DoctorContext } from './context.js';
import { type DoctorCheck, type DoctorResult, withDetails } from './doctor-check.js';
import { withTimeout } from './timeout.js';

export interface DatabaseTarget {
  user: string;
  host: string;
  port: number;
  database: string;
  /** Where the pods read the password from. */
  secret: { name: string; key: string } | undefined;
  /** The release's own database Service, when the host is one. */
  service: string | undefined;
  /** The database pod of the release (bundled database), for `kubectl exec` fixes. */
  pod: string | undefined;
}

export interface DatabaseUrl {
  user: string;
  password: string | undefined;
  host: string;
  port: number;
  database: string;
  ssl: boolean | { rejectUnauthorized: boolean };
}

/** postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=...]; bad input is exit 2. */
export function parseDatabaseUrl(text: string): DatabaseUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(
      '--database-url is not a URL: expected postgresql://USER@HOST:PORT/DATABASE',
    );
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new InputError('--database-url must start with postgresql://');
  }
  if (!url.hostname || !url.username) {
    throw new InputError(
      '--database-url needs a user and a host: postgresql://USER@HOST:PORT/DATABASE',
    );
  }
  const sslmode = url.searchParams.get('sslmode') ?? 'disable';
  return {
    user: decodeURIComponent(url.username),
    password: url.password ? decodeURIComponent(url.password) : undefined,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 5432,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'prefect',
    ssl:
      sslmode === 'verify-full' || sslmode === 'verify-ca'
        ? { rejectUnauthorized: true }
        : sslmode === 'require'
          ? { rejectUnauthorized: false }
          : false,
  };
}

/** The URL with no password, for messages. */
export function describeUrl(u: {
  user: string;
  host: string;
  port: number;
  database: string;
}): string {
  return `postgresql://${u.user}@${u.host}:${u.port}/${u.database}`;
}

function envOf(workload: Workload | undefined, name: string) {
  for (const container of workload?.spec.template.spec.containers ?? []) {
    const found = container.env?.find((e) => e.name === name);
    if (found) return found;
  }
  return undefined;
}

/** Where hasura's database is, from the hasura Deployment (graphql's when there is no hasura). */
export function databaseTargetOf(
  workloads: readonly Workload[],
  services: readonly NamedObject[],
  pods: readonly NamedObject[],
  namespace: string,
): DatabaseTarget | undefined {
  const hasura = byComponent(workloads, 'hasura');
  const graphql = byComponent(workloads, 'graphql');
  const url =
    envOf(hasura, 'HASURA_GRAPHQL_DATABASE_URL')?.value ??
    envOf(graphql, 'PREFECT_SERVER__DATABASE__CONNECTION_URL')?.value;
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const secretRef = (envOf(hasura, 'PGPASSWORD') ?? envOf(graphql, 'PGPASSWORD'))?.valueFrom
    ?.secretKeyRef;
  const host = parsed.hostname;
  // NAME, NAME.NAMESPACE, NAME.NAMESPACE.svc[.cluster.local] name a Service of this namespace.
  const [first, second, third] = host.split('.');
  const inNamespace =
    second === undefined || (second === namespace && (third === undefined || third === 'svc'));
  const service =
    inNamespace && services.some((s) => s.metadata.name === first) ? first : undefined;
  // Ours is labelled component=postgresql; the released charts' Bitnami pods name=postgresql.
  const pod =
    pods.find((p) => p.metadata.labels?.[componentLabel] === 'postgresql') ??
    pods.find((p) => p.metadata.labels?.[nameLabel] === 'postgresql');
  return {
    user: decodeURIComponent(parsed.username),
    host,
    port: parsed.port ? Number(parsed.port) : 5432,
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
    secret: secretRef ? { name: secretRef.name, key: secretRef.key } : undefined,
    service,
    pod: service ? pod?.metadata.name : undefined,
  };
}

/** An SQL identifier as psql needs it written. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** How to run SQL as an administrator of this database, for hints. */
export function sqlCommand(target: DatabaseTarget, namespace: string, sql: string): string {
  if (target.pod) {
    // The bundled database's user is its superuser, trusted over the pod's local socket.
    return `kubectl exec -n ${namespace} ${target.pod} -- psql -U ${target.user} -d ${target.database} -c '${sql}'`;
  }
  return `psql "postgresql://ADMIN@${target.host}:${target.port}/${target.database}" -c '${sql}'   (as a superuser)`;
}

// ---- the password Secret ------------------------------------------------------------------

interface SecretFact {
  name: string;
  key: string;
  exists: boolean;
  keys: string[];
  /** Decoded, in memory only. */
  password: string | undefined;
}

export function judgeSecret(fact: SecretFact, namespace: string): CheckResult {
  const recreate = `kubectl create secret generic ${fact.name} -n ${namespace} --from-file=${fact.key}=PASSWORD_FILE --dry-run=client -o yaml | kubectl apply -f -`;
  if (!fact.exists) {
    return fail(
      `Secret ${fact.name}, which holds the database password, does not exist in ${namespace}`,
      `Create it without putting the password in your shell history: ${recreate}`,
    );
  }
  // The same `postgresql.existingSecret` line meant two keys: postgresql-password up to chart
  // 2022.04.14, postgres-password from 2022.09.07. A Secret written for the other era is the
  // usual cause, and the cure is different: say which it is.
  const otherEra = {
    'postgres-password': 'postgresql-password',
    'postgresql-password': 'postgres-password',
  }[fact.key];
  if (!fact.keys.includes(fact.key) && otherEra && fact.keys.includes(otherEra)) {
    const eraOf = (key: string) =>
      key === 'postgresql-password' ? 'charts up to 2022.04.14' : 'charts from 2022.09.07';
    return fail(
      `Secret ${fact.name} holds the password under ${otherEra} (the key ${eraOf(otherEra)} read), but the pods read ${fact.key} (the key ${eraOf(fact.key)} read)`,
      `Copy it under ${fact.key} too, without printing it: kubectl get secret ${fact.name} -n ${namespace} -o json | jq '.data["${fact.key}"] = .data["${otherEra}"]' | kubectl apply -f -   (this project's chart reads whichever of the two the Secret holds: prefect-server upgrade then picks it up too)`,
      true,
    );
  }
  if (!fact.keys.includes(fact.key)) {
    return fail(
      `Secret ${fact.name} has no key ${fact.key} (it has: ${fact.keys.join(', ') || 'no keys'}); the pods read the password from ${fact.key}`,
      `Put the password under ${fact.key}: ${recreate}`,
      true,
    );
  }
  if (!fact.password) {
    return fail(
      `key ${fact.key} of Secret ${fact.name} is empty`,
      `Put the password there: ${recreate}`,
    );
  }
  return pass(`Secret ${fact.name} holds the password under ${fact.key}`);
}

async function target(ctx: DoctorContext): Promise<DatabaseTarget> {
  const objects = await ctx.objects();
  const found = databaseTargetOf(objects.workloads, objects.services, objects.pods, ctx.namespace);
  if (!found) {
    throw new CannotRun('skipped: the release has no hasura Deployment to learn the database from');
  }
  return found;
}

function secretFact(ctx: DoctorContext): Promise<SecretFact> {
  return ctx.shared('database-secret', async () => {
    const { secret } = await target(ctx);
    if (!secret) throw new CannotRun('skipped: hasura takes PGPASSWORD from no Secret');
    const kubectl = await ctx.kubectl();
    const result = await kubectl.run(
      [
        'get',
        'secret',
        secret.name,
        '--namespace',
        ctx.namespace,
        '--ignore-not-found',
        '--output',
        'json',
      ],
      { allowFailure: true, timeoutMs: 15_000 },
    );
    if (result.exitCode !== 0) {
      throw new CannotRun(
        `cannot read Secret ${secret.name}: ${stderrReason(result.stderr, /^Error from server \(Forbidden\): /) ?? ''}`,
        `Run doctor as a user who may read Secrets in ${ctx.namespace}.`,
      );
    }
    if (result.stdout.trim() === '')
      return { ...secret, exists: false, keys: [], password: undefined };
    const data = (JSON.parse(result.stdout) as { data?: Record<string, string> }).data ?? {};
    const encoded = data[secret.key];
    return {
      ...secret,
      exists: true,
      keys: Object.keys(data).sort(),
      password: encoded ? Buffer.from(encoded, 'base64').toString('utf8') : undefined,
    };
  });
}

// ---- logging in ------------------------------------------------------------------------------

type Session =
  | {
      ok: true;
      client: Client;
      via: string;
      version: string;
      hasuraUser: string;
      target: DatabaseTarget | undefined;
    }
  | { ok: false; result: DoctorResult };

interface PgError {
  code?: string;
  message?: string;
}

/** The two ways out of the manual's "bad password", for this release. */
export function badPasswordWaysOut(
  t: DatabaseTarget | undefined,
  namespace: string,
  release: string,
): string[] {
  const name = t?.secret?.name ?? 'SECRET';
  const key = t?.secret?.key ?? 'postgresql-password';
  // The chart's own Secret is read under both keys (either era of values): keep them equal.
  const keys =
    key === 'postgresql-password' || key === 'postgres-password'
      ? ['postgresql-password', 'postgres-password']
      : [key];
  const fromFiles = keys.map((k) => `--from-file=${k}=PASSWORD_FILE`).join(' ');
  const lines = [
    `1. Put the password the database has into the Secret (PASSWORD_FILE holds it): kubectl create secret generic ${name} -n ${namespace} ${fromFiles} --dry-run=client -o yaml | kubectl apply -f -`,
  ];
  if (t?.pod) {
    lines.push(
      `2. Or give the database the Secret's password (the pod has it as POSTGRES_PASSWORD): kubectl exec -n ${namespace} ${t.pod} -- sh -c 'printf "ALTER USER \\"%s\\" PASSWORD '\\''%s'\\'';\\n" "$POSTGRES_USER" "$POSTGRES_PASSWORD" | psql -U "$POSTGRES_USER" -d "$POSTGRES_DB"'`,
    );
  } else {
    lines.push(
      `2. Or, as an administrator of the database, set the user's password to the Secret's: ALTER USER ${quoteIdent(t?.user ?? 'USER')} PASSWORD '...';`,
    );
  }
  lines.push(
    `Then restart the server: kubectl rollout restart deployment -n ${namespace} -l ${instanceSelector(release)}`,
  );
  return lines;
}

/** The verdict on a failed login, from PostgreSQL's error code. */
export function judgeLoginError(
  error: PgError,
  where: { user: string; database: string; via: string },
  t: DatabaseTarget | undefined,
  namespace: string,
  release: string,
): DoctorResult {
  const text = error.message ?? String(error);
  switch (error.code) {
    case '28P01':
      return withDetails(
        fail(
          `the database refuses the password for user ${where.user} (${text}): it keeps the password it was created with (a persisted volume), and the Secret holds another`,
          'Make them the same, in one of two ways:',
        ),
        badPasswordWaysOut(t, namespace, release),
      );
    case '28000':
      return fail(
        `the database refuses user ${where.user}: ${text}`,
        /pg_hba/.test(text)
          ? 'Allow this user and database from the cluster in pg_hba.conf (with SSL if it asks: sslmode=require).'
          : `Create the user, or fix the user name in the values (postgresql.auth.username): prefect-server upgrade -n ${namespace}`,
      );
    case '3D000':
      return fail(
        `database ${where.database} does not exist: ${text}`,
        `Create it: CREATE DATABASE ${quoteIdent(where.database)} OWNER ${quoteIdent(where.user)};`,
      );
    case '57P03':
      return warn(`the database is starting up: ${text}`, 'Run doctor again in a minute.');
    default:
      return warn(
        `cannot run: cannot reach the database ${where.via}: ${text}`,
        t?.service
          ? `Is the database pod running? kubectl get pods -n ${namespace} ${t.pod ?? `-l ${componentSelector('postgresql')}`}`
          : 'Reach it from here with --database-url postgresql://USER@HOST:PORT/DATABASE (password from PGPASSWORD or the Secret).',
      );
  }
}

async function connect(config: {
  host: string;
  port: number;
  user: string;
  database: string;
  password: string | undefined;
  ssl: DatabaseUrl['ssl'];
}): Promise<Client> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    ...config,
    connectionTimeoutMillis: 5_000,
    query_timeout: 5_000,
    statement_timeout: 5_000,
    application_name: 'prefect-server doctor',
  });
  // A connection dropped later (the forward closing) must not crash doctor.
  client.on('error', () => {});
  try {
    await withTimeout(() => client.connect(), 8_000, 'the database');
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return client;
}

/** One query, bounded in time (see withTimeout). */
async function query<Row extends object>(
  client: Client,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  return (await withTimeout(() => client.query<Row>(sql, params), 8_000, 'the database')).rows;
}

function session(ctx: DoctorContext): Promise<Session> {
  return ctx.shared('database-session', async (): Promise<Session> => {
    const url = ctx.options.databaseUrl ? parseDatabaseUrl(ctx.options.databaseUrl) : undefined;
    // The release says where hasura's database is; with --database-url it may not be there.
    const t = await target(ctx).catch((error: unknown) => {
      if (url && error instanceof CannotRun) return undefined;
      throw error;
    });
    let password: string | undefined;
    let config: Parameters<typeof connect>[0];
    let via: string;
    let lost: Promise<Error> | undefined;
    if (url) {
      password = url.password ?? ctx.options.env.PGPASSWORD;
      if (password === undefined)
        password = (await secretFact(ctx).catch(() => undefined))?.password;
      if (password === undefined) {
        throw new CannotRun(
          'cannot run: no password for --database-url',
          'Give it in PGPASSWORD (not on the command line), or run doctor where it can read the release Secret.',
        );
      }
      config = { ...url, password };
      via = `at ${describeUrl(url)} (--database-url)`;
    } else {
      if (!t) throw new CannotRun('skipped: nothing tells where the database is');
      if (!t.service) {
        throw new CannotRun(
          `cannot run: the database ${t.host}:${t.port} is outside the cluster`,
          `Reach it from here: prefect-server doctor -n ${ctx.namespace} --database-url postgresql://${t.user}@${t.host}:${t.port}/${t.database}   (password from PGPASSWORD or the Secret)`,
        );
      }
      const secret = await secretFact(ctx);
      if (!secret.password) {
        throw new CannotRun(`skipped: Secret ${secret.name} holds no password under ${secret.key}`);
      }
      password = secret.password;
      let forward: { localPort: number; lost: Promise<Error> };
      try {
        forward = await ctx.forward(t.service, t.port);
      } catch (error) {
        throw new CannotRun(
          `cannot run: ${error instanceof Error ? error.message : String(error)}`,
          `Is the database pod running? kubectl get pods -n ${ctx.namespace} -l ${componentSelector('postgresql')}`,
        );
      }
      config = {
        host: '127.0.0.1',
        port: forward.localPort,
        user: t.user,
        database: t.database,
        password,
        ssl: false,
      };
      via = `through a port-forward to service ${t.service}`;
      lost = forward.lost;
    }
    try {
      const broken = lost?.then((error) => {
        throw error;
      });
      broken?.catch(() => {});
      const client = await (broken ? Promise.race([connect(config), broken]) : connect(config));
      ctx.onClose(() => client.end());
      const version = (await query<{ server_version: string }>(client, 'SHOW server_version'))[0]
        ?.server_version;
      return {
        ok: true,
        client,
        via,
        version: version ?? 'unknown',
        hasuraUser: t?.user ?? config.user,
        target: t,
      };
    } catch (error) {
      return {
        ok: false,
        result: judgeLoginError(
          error as PgError,
          { user: config.user, database: config.database, via },
          // With --database-url the database is not the pod's: the fixes are SQL, not kubectl exec.
          url && t
            ? {
                ...t,
                user: url.user,
                host: url.host,
                port: url.port,
                database: url.database,
                service: undefined,
                pod: undefined,
              }
            : t,
          ctx.namespace,
          ctx.releaseName,
        ),
      };
    }
  });
}

async function loggedIn(ctx: DoctorContext) {
  const s = await session(ctx);
  if (!s.ok) throw new CannotRun('skipped: doctor could not log in to the database (see above)');
  return s;
}

// ---- what hasura needs -------------------------------------------------------------------------

export const requiredExtensions = ['pgcrypto', 'pg_trgm'] as const;

export function judgeExtensions(
  installed: readonly string[],
  t: DatabaseTarget | undefined,
  where: { user: string; database: string; host: string; port: number },
  namespace: string,
): CheckResult {
  const missing = requiredExtensions.filter((e) => !installed.includes(e));
  if (missing.length === 0) return pass(`${requiredExtensions.join(' and ')} are installed`);
  const sql = missing.map((e) => `CREATE EXTENSION IF NOT EXISTS ${e};`).join(' ');
  const command = sqlCommand(
    t ?? { ...where, secret: undefined, service: undefined, pod: undefined },
    namespace,
    sql,
  );
  return fail(
    `extension ${missing.join(' and ')} is not installed in database ${where.database}: hasura needs ${requiredExtensions.join(' and ')}`,
    `Install it: ${command}`,
  );
}

export interface HdbOwnership {
  schemaOwner: string | undefined;
  functionOwner: string | undefined;
}

export function judgeHdbCatalog(
  owners: HdbOwnership,
  hasuraUser: string,
  t: DatabaseTarget | undefined,
  where: { user: string; database: string; host: string; port: number },
  namespace: string,
): CheckResult {
  if (owners.schemaOwner === undefined) {
    return pass(
      `no schema hdb_catalog yet: hasura creates it, owned by ${hasuraUser}, when it first starts`,
    );
  }
  const fixes: string[] = [];
  const wrong: string[] = [];
  const user = quoteIdent(hasuraUser);
  if (owners.schemaOwner !== hasuraUser) {
    wrong.push(`schema hdb_catalog is owned by ${owners.schemaOwner}`);
    fixes.push(`ALTER SCHEMA hdb_catalog OWNER TO ${user};`);
  }
  if (owners.functionOwner !== undefined && owners.functionOwner !== hasuraUser) {
    wrong.push(`function hdb_catalog.insert_event_log is owned by ${owners.functionOwner}`);
    fixes.push(`ALTER FUNCTION hdb_catalog.insert_event_log OWNER TO ${user};`);
  }
  if (wrong.length === 0) {
    return pass(
      `${hasuraUser} owns schema hdb_catalog${owners.functionOwner ? ' and function insert_event_log' : ''}`,
    );
  }
  const command = sqlCommand(
    t ?? { ...where, secret: undefined, service: undefined, pod: undefined },
    namespace,
    fixes.join(' '),
  );
  return fail(
    `${wrong.join(' and ')}, not by the hasura user ${hasuraUser}: hasura 1.3.3 and later fail to start or migrate`,
    `Give them to ${hasuraUser}: ${command}`,
  );
}

// ---- the checks -----------------------------------------------------------------------------

const secretCheck: DoctorCheck = {
  id: 'database-secret',
  category: 'database',
  title: 'the password Secret holds the password',
  when: 'installed',
  async run(ctx) {
    return judgeSecret(await secretFact(ctx), ctx.namespace);
  },
};

const loginCheck: DoctorCheck = {
  id: 'database-login',
  category: 'database',
  title: "the database accepts the Secret's password",
  when: 'installed',
  async run(ctx) {
    const s = await session(ctx);
    if (!s.ok) return s.result;
    return pass(`logged in ${s.via} (PostgreSQL ${s.version})`);
  },
};

function whereOf(s: { target: DatabaseTarget | undefined }, ctx: DoctorContext) {
  if (ctx.options.databaseUrl) {
    const u = parseDatabaseUrl(ctx.options.databaseUrl);
    return { user: u.user, database: u.database, host: u.host, port: u.port };
  }
  const t = s.target as DatabaseTarget;
  return { user: t.user, database: t.database, host: t.host, port: t.port };
}

const extensionsCheck: DoctorCheck = {
  id: 'database-extensions',
  category: 'database',
  title: 'extensions pgcrypto and pg_trgm are installed',
  when: 'installed',
  async run(ctx) {
    const s = await loggedIn(ctx);
    const rows = await query<{ extname: string }>(
      s.client,
      'SELECT extname FROM pg_extension WHERE extname = ANY($1)',
      [[...requiredExtensions]],
    );
    return judgeExtensions(
      rows.map((r) => r.extname),
      ctx.options.databaseUrl ? undefined : s.target,
      whereOf(s, ctx),
      ctx.namespace,
    );
  },
};

const hdbCheck: DoctorCheck = {
  id: 'database-hdb-catalog',
  category: 'database',
  title: 'the hasura user owns hdb_catalog and insert_event_log',
  when: 'installed',
  async run(ctx) {
    const s = await loggedIn(ctx);
    const schema = await query<{ owner: string }>(
      s.client,
      "SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = 'hdb_catalog'",
    );
    const fn = await query<{ owner: string }>(
      s.client,
      `SELECT pg_get_userbyid(p.proowner) AS owner FROM pg_proc p
         JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'hdb_catalog' AND p.proname = 'insert_event_log'`,
    );
    return judgeHdbCatalog(
      { schemaOwner: schema[0]?.owner, functionOwner: fn[0]?.owner },
      s.hasuraUser,
      ctx.options.databaseUrl ? undefined : s.target,
      whereOf(s, ctx),
      ctx.namespace,
    );
  },
};

export const databaseChecks: DoctorCheck[] = [secretCheck, loginCheck, extensionsCheck, hdbCheck];
