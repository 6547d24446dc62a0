// One PostgreSQL session per doctor run, shared by the database checks: through a port-forward
// to the release's database Service, or directly with --database-url, with the PostgreSQL client
// library. The password goes from the Secret (or PGPASSWORD) into the client's config object,
// never into argv, never printed.
import type { Client } from 'pg';
import { componentSelector } from '../release/labels.js';
import { CannotRun, type DoctorContext } from './context.js';
import { judgeLoginError, type PgError } from './database-login.js';
import { secretFact } from './database-secret.js';
import { type DatabaseTarget, databaseTarget } from './database-target.js';
import { type DatabaseUrl, describeUrl, parseDatabaseUrl } from './database-url.js';
import type { DoctorResult } from './doctor-check.js';
import { withTimeout } from './timeout.js';

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

/**
 * The queries of the checks sharing a session, one after the other: the checks run concurrently,
 * and pg deprecates (and prints a warning for) a query sent while another one runs.
 */
const queues = new WeakMap<Client, Promise<unknown>>();

/** One query, bounded in time (see withTimeout), after the session's earlier ones. */
export async function query<Row extends object>(
  client: Client,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  const before = queues.get(client) ?? Promise.resolve();
  const run = before
    .catch(() => {})
    .then(() => withTimeout(() => client.query<Row>(sql, params), 8_000, 'the database'));
  queues.set(client, run);
  return (await run).rows;
}

export function session(ctx: DoctorContext): Promise<Session> {
  return ctx.shared('database-session', async (): Promise<Session> => {
    const url = ctx.options.databaseUrl ? parseDatabaseUrl(ctx.options.databaseUrl) : undefined;
    // The release says where hasura's database is; with --database-url it may not be there.
    const t = await databaseTarget(ctx).catch((error: unknown) => {
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

export async function loggedIn(ctx: DoctorContext) {
  const s = await session(ctx);
  if (!s.ok) throw new CannotRun('skipped: doctor could not log in to the database (see above)');
  return s;
}
