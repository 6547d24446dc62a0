// What a backup says about itself, and what backup and restore both ask the database. A dump
// (pg_dump's custom format) cannot carry our facts, so they go into a small JSON manifest beside
// it, `FILE.manifest.json`: a sidecar file rather than a header in front of the dump, so the dump
// stays a plain pg_dump archive any pg_restore reads, and so `--output -` can stream the dump
// to stdout untouched (the checksum and size are only known at its end; with stdout the
// manifest goes where `--manifest FILE` says).
//
// Pure: the manifest's shape, its reading (every rule it breaks named), the default file name,
// the SQL that reads the database's facts and the parsing of psql's answer.
import { basename } from 'node:path';
import { InputError } from '../errors.js';

export const manifestFormat = 'prefect-server-backup';

export interface BackupManifest {
  format: typeof manifestFormat;
  version: 1;
  release: string;
  namespace: string;
  chartVersion: string;
  /** The release's app version: Prefect Server's image tag (2022.09.23 ...). */
  appVersion: string;
  /** `SHOW server_version` of the server the dump was taken from. */
  postgresVersion: string;
  /** alembic_version.version_num of Prefect's schema, `undefined` when the table is absent. */
  schemaRevision: string | undefined;
  /** Rows per table of schema public, counted in the dump's own snapshot. */
  tables: Record<string, number>;
  sha256: string;
  size: number;
  /** ISO 8601 UTC time the dump started. */
  created: string;
  /** The dump's file name when written (its base name), `-` when it went to stdout. */
  dump: string;
}

/** The manifest beside a dump file. */
export function manifestPathFor(dumpFile: string): string {
  return `${dumpFile}.manifest.json`;
}

/** `R-20261201T121314Z.dump`: the release and the UTC time, sortable, safe in any file system. */
export function defaultBackupName(release: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll('-', '')
    .replaceAll(':', '');
  return `${release}-${stamp}.dump`;
}

/** Every custom-format archive starts with these five bytes (pg_backup_archiver.c: "PGDMP"). */
export const customDumpMagic = Buffer.from('PGDMP', 'latin1');

export function isCustomDump(head: Buffer): boolean {
  return head.subarray(0, customDumpMagic.length).equals(customDumpMagic);
}

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** A manifest read from `source` (its path, for messages); bad input names the rule broken. */
export function parseManifest(text: string, source: string): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError(
      `${source} is not a backup manifest: it is not JSON.`,
      'Give the FILE.manifest.json that backup wrote beside the dump, with --manifest FILE.',
    );
  }
  const m = value as Partial<Record<keyof BackupManifest, unknown>>;
  const problem = (rule: string) =>
    new InputError(
      `${source} is not a backup manifest of prefect-server: ${rule}.`,
      'Give the FILE.manifest.json that backup wrote beside the dump, with --manifest FILE.',
    );
  if (typeof m !== 'object' || m === null || m.format !== manifestFormat)
    throw problem(`"format" must be "${manifestFormat}"`);
  if (m.version !== 1) throw problem(`"version" must be 1 (this CLI reads version 1)`);
  for (const key of [
    'release',
    'namespace',
    'chartVersion',
    'appVersion',
    'postgresVersion',
    'created',
    'dump',
  ] as const) {
    if (typeof m[key] !== 'string') throw problem(`"${key}" must be a string`);
  }
  if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256))
    throw problem('"sha256" must be 64 hex digits');
  if (!isCount(m.size)) throw problem('"size" must be a whole number of bytes');
  if (m.schemaRevision !== undefined && typeof m.schemaRevision !== 'string')
    throw problem('"schemaRevision" must be a string when present');
  const tables = m.tables;
  if (typeof tables !== 'object' || tables === null || Array.isArray(tables))
    throw problem('"tables" must map table names to row counts');
  for (const [table, count] of Object.entries(tables)) {
    if (!isCount(count)) throw problem(`"tables"."${table}" must be a whole number of rows`);
  }
  return m as BackupManifest;
}

export function manifestText(manifest: BackupManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** The dump's name as the manifest records it. */
export function dumpNameOf(output: string): string {
  return output === '-' ? '-' : basename(output);
}

/**
 * The facts of the database, as tab-separated lines `kind\tname\tvalue` from one statement (so
 * it runs inside a snapshot's transaction): the server version, the alembic revision when the
 * table exists, and the rows of every table of schema public. query_to_xml runs a query whose
 * table name is only known at run time, inside the same statement. `exact`: count every row (the
 * manifest, the check after a restore); else 0 or 1 per table, at the cost of one row read
 * (whether a database is empty, before a restore: a full count of gigabytes would be wasted).
 */
export function databaseFactsSql(count: 'exact' | 'any' = 'exact'): string {
  const rows =
    count === 'exact'
      ? "format('SELECT count(*) AS c FROM public.%I', c.relname)"
      : "format('SELECT count(*) AS c FROM (SELECT 1 FROM public.%I LIMIT 1) AS one', c.relname)";
  return `SELECT 'server' AS kind, 'version' AS name, current_setting('server_version') AS value
UNION ALL
SELECT 'revision', 'alembic', (xpath('/row/v/text()', query_to_xml('SELECT string_agg(version_num, '','' ORDER BY version_num) AS v FROM public.alembic_version', false, true, '')))[1]::text
  WHERE to_regclass('public.alembic_version') IS NOT NULL
UNION ALL
SELECT * FROM (SELECT 'table', c.relname::text,
  (xpath('/row/c/text()', query_to_xml(${rows}, false, true, '')))[1]::text
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname) AS counts;
`;
}

export interface DatabaseFacts {
  postgresVersion: string;
  schemaRevision: string | undefined;
  tables: Record<string, number>;
}

/** psql's answer to databaseFactsSql() (`psql -At -F '\t'`). */
export function parseDatabaseFacts(stdout: string): DatabaseFacts {
  const facts: DatabaseFacts = { postgresVersion: '', schemaRevision: undefined, tables: {} };
  for (const line of stdout.split('\n')) {
    const [kind, name, value] = line.split('\t');
    if (name === undefined || value === undefined) continue;
    if (kind === 'server') facts.postgresVersion = value;
    else if (kind === 'revision') facts.schemaRevision = value === '' ? undefined : value;
    else if (kind === 'table') facts.tables[name] = Number(value);
  }
  if (facts.postgresVersion === '')
    throw new Error(`psql's answer held no server version: ${stdout.slice(0, 200)}`);
  return facts;
}

/** The tables whose row counts differ from the manifest's (a table missing counts as -1 rows). */
export function countDifferences(
  expected: Record<string, number>,
  actual: Record<string, number>,
): { table: string; expected: number; actual: number }[] {
  return Object.entries(expected)
    .map(([table, count]) => ({ table, expected: count, actual: actual[table] ?? -1 }))
    .filter((d) => d.expected !== d.actual)
    .sort((a, b) => a.table.localeCompare(b.table));
}

/** Tables that hold rows, alembic's own bookkeeping aside (a fresh release's graphql writes it). */
export function tablesWithRows(tables: Record<string, number>): string[] {
  return Object.entries(tables)
    .filter(([table, count]) => table !== 'alembic_version' && count > 0)
    .map(([table]) => table)
    .sort();
}

/** Bytes as people read them: 0 B, 1.5 KiB, 12.3 MiB, 1.02 GiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0
    ? `${bytes} B`
    : `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${units[unit]}`;
}
