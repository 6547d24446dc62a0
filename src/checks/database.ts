// doctor: the database as hasura and graphql use it. The checks of the login and of what hasura
// needs in the database (extensions, hdb_catalog's owner), over one shared session
// (database-session.ts); where the database is in database-target.ts, its password Secret in
// database-secret.ts, the --database-url in database-url.ts.
import { type CheckResult, fail, pass } from '../ui/check.js';
import type { DoctorContext } from './context.js';
import { secretCheck } from './database-secret.js';
import { loggedIn, query, session } from './database-session.js';
import { type DatabaseTarget, quoteIdent, sqlCommand } from './database-target.js';
import { parseDatabaseUrl } from './database-url.js';
import type { DoctorCheck } from './doctor-check.js';

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
