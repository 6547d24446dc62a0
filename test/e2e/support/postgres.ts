// A real PostgreSQL server for doctor's database tests (scripts/test-postgres.mjs starts it on
// 127.0.0.1 in a temporary directory), with the superuser reached over its Unix socket, and the
// state hasura expects built or broken on purpose.
import pg from 'pg';
import { install, start, stop } from '../../../scripts/test-postgres.mjs';

interface ServerRecord {
  dir: string;
  data: string;
  port: number;
  socketDir: string;
  pid: number;
}

export interface TestPostgres {
  /** TCP port on 127.0.0.1; roles other than the superuser log in here with their password. */
  port: number;
  /** The directory of the server's Unix socket, where every role is trusted (PGHOST=socketDir). */
  socketDir: string;
  /** Runs SQL as the superuser `postgres` in `database`. */
  sql(statement: string, database?: string): Promise<Record<string, unknown>[]>;
  /** A string literal of SQL, for passwords. */
  literal(value: string): string;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<TestPostgres> {
  install();
  const server = (await start()) as ServerRecord;
  let stopped = false;
  return {
    port: server.port,
    socketDir: server.socketDir,
    async sql(statement, database = 'postgres') {
      const client = new pg.Client({
        host: server.socketDir,
        port: server.port,
        user: 'postgres',
        database,
      });
      await client.connect();
      try {
        return (await client.query(statement)).rows;
      } finally {
        await client.end();
      }
    },
    literal: (value) => `'${value.replaceAll("'", "''")}'`,
    async stop() {
      if (stopped) return;
      stopped = true;
      stop(server);
    },
  };
}

export interface HasuraDatabase {
  user: string;
  password: string;
  database: string;
  /** Leave these extensions out. */
  withoutExtensions?: string[];
  /** Owner of schema hdb_catalog and function insert_event_log (default: the user). */
  hdbCatalogOwner?: string;
}

/**
 * The database as a working Prefect Server leaves it: the user owning the database, pgcrypto and
 * pg_trgm installed, hasura's hdb_catalog schema with its insert_event_log function.
 */
export async function createHasuraDatabase(
  server: TestPostgres,
  db: HasuraDatabase,
): Promise<void> {
  const owner = db.hdbCatalogOwner ?? db.user;
  await server.sql(`CREATE ROLE "${db.user}" LOGIN PASSWORD ${server.literal(db.password)}`);
  if (owner !== db.user) await server.sql(`CREATE ROLE "${owner}" NOLOGIN`);
  await server.sql(`CREATE DATABASE "${db.database}" OWNER "${db.user}"`);
  for (const extension of ['pgcrypto', 'pg_trgm']) {
    if (!db.withoutExtensions?.includes(extension))
      await server.sql(`CREATE EXTENSION IF NOT EXISTS ${extension}`, db.database);
  }
  await server.sql(`CREATE SCHEMA hdb_catalog AUTHORIZATION "${owner}"`, db.database);
  await server.sql(
    `CREATE FUNCTION hdb_catalog.insert_event_log(schema_name text, table_name text, trigger_name text, op text, row_data json)
       RETURNS text LANGUAGE sql AS $$ SELECT gen_random_uuid()::text $$`,
    db.database,
  );
  await server.sql(`ALTER FUNCTION hdb_catalog.insert_event_log OWNER TO "${owner}"`, db.database);
}
