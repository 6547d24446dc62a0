// backup and restore against a real PostgreSQL: a release installed by the real CLI, its database
// pod's `kubectl exec` routed by kwok to this machine's pg_dump / pg_restore / psql pointed at the
// test server (support/exec-routes.ts). What is compared is the data itself: row counts and an
// md5 of every table's rows, computed by the test through SQL.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { cliBin, cliEnv, runCli } from './support/cli.js';
import { kubectlJson, namespacesForThisFile } from './support/cluster.js';
import { sampleCommandLines } from './support/cmdline-sampler.js';
import { bundledDatabaseEnv, routeExec } from './support/exec-routes.js';
import { createHasuraDatabase, startPostgres, type TestPostgres } from './support/postgres.js';
import { loadPrefectSchema, type Sql, seedPrefectData } from './support/prefect-data.js';

const [helm] = helms();
if (!helm) throw new Error('no helm to test with');

const namespace = namespacesForThisFile();
const release = 'prefect-server';
let ns: string;
let pg: TestPostgres;
let password: string;
const work = mkdtempSync(join(tmpdir(), 'e2e-backup-'));
const state = mkdtempSync(join(tmpdir(), 'e2e-backup-state-'));
const env = () => cliEnv(helm, { XDG_STATE_HOME: state });
const cli = (args: string[], options: { input?: string } = {}) =>
  runCli(helm, args, { env: env(), timeout: 300_000, cwd: work, ...options });

/** Every table of schema public: its row count and the md5 of its rows in a fixed order. */
async function tableDigests(): Promise<Record<string, string>> {
  const tables = await pg.sql(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    'prefect',
  );
  const digests: Record<string, string> = {};
  for (const { tablename } of tables as { tablename: string }[]) {
    const [row] = await pg.sql(
      `SELECT count(*)::text AS n, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS sum FROM public."${tablename}" t`,
      'prefect',
    );
    digests[tablename] = `${row?.n}:${row?.sum}`;
  }
  return digests;
}

async function writerReplicas(): Promise<Record<string, number | string>> {
  const list = await kubectlJson(['get', 'deployments', '-n', ns]);
  return Object.fromEntries(
    // biome-ignore lint/suspicious/noExplicitAny: Deployment JSON
    list.items.map((d: any) => [
      d.metadata.name,
      `${d.spec.replicas}${d.metadata.annotations?.['prefect-server-install/restore-replicas'] ? ` (remembers ${d.metadata.annotations['prefect-server-install/restore-replicas']})` : ''}`,
    ]),
  );
}

async function emptyDatabase(): Promise<void> {
  await pg.sql('DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION prefect', 'prefect');
}

beforeAll(async () => {
  ns = await namespace('e2e-backup');
  pg = await startPostgres();
  const install = await cli(['install', '--yes', '-n', ns, '--agent']);
  expect(install.exitCode, String(install.stderr)).toBe(0);
  const secret = await kubectlJson(['get', 'secret', `${release}-postgresql`, '-n', ns]);
  password = Buffer.from(
    secret.data['postgres-password'] ?? Object.values(secret.data)[0],
    'base64',
  ).toString('utf8');
  await createHasuraDatabase(pg, { user: 'prefect', password, database: 'prefect' });
  await routeExec(ns, `${release}-postgresql-0`, [
    { containers: ['postgresql'], env: bundledDatabaseEnv(pg) },
  ]);
  const sql: Sql = (statement) => pg.sql(statement, 'prefect');
  await loadPrefectSchema(sql, { owner: 'prefect' });
  await seedPrefectData(sql, {
    flowRuns: 40,
    from: new Date('2026-01-01T00:00:00Z'),
    to: new Date('2026-03-01T00:00:00Z'),
    owner: 'prefect',
  });
}, 300_000);

afterAll(async () => {
  await pg?.stop();
});

describe('backup', () => {
  let dump: string;

  it('writes a 0600 dump and a manifest whose counts are the database, and records it', async () => {
    const before = await tableDigests();
    const { result, report } = await sampleCommandLines(password, () =>
      cli(['backup', '-n', ns, '--release', release, '--output', 'first.dump']),
    );
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(report.samples).toBeGreaterThan(10);
    expect(report.leaks).toEqual([]);
    dump = join(work, 'first.dump');
    expect(statSync(dump).mode & 0o777).toBe(0o600);
    expect(readFileSync(dump).subarray(0, 5).toString()).toBe('PGDMP');
    const manifest = JSON.parse(readFileSync(`${dump}.manifest.json`, 'utf8'));
    expect(statSync(`${dump}.manifest.json`).mode & 0o777).toBe(0o600);
    expect(manifest.sha256).toBe(createHash('sha256').update(readFileSync(dump)).digest('hex'));
    expect(manifest.size).toBe(statSync(dump).size);
    expect(manifest).toMatchObject({ release, namespace: ns });
    expect(manifest.postgresVersion).toMatch(/^\d+/);
    const counts = Object.fromEntries(
      Object.entries(before).map(([t, d]) => [t, Number(d.split(':')[0])]),
    );
    expect(manifest.tables).toEqual(counts);
    expect(Object.values(counts).some((n) => n > 0)).toBe(true);
    const records = JSON.parse(readFileSync(join(state, 'prefect-server', 'backups.json'), 'utf8'));
    expect(records.backups.at(-1)).toMatchObject({ release, namespace: ns, file: dump });
    expect(JSON.stringify(records)).not.toContain(password);
  });

  it('to stdout gives the same archive as the file form', async () => {
    const piped = join(work, 'piped.dump');
    const result = await execa(
      'node',
      [
        cliBin,
        'backup',
        '-n',
        ns,
        '--release',
        release,
        '--output',
        '-',
        '--manifest',
        'piped.json',
      ],
      { env: env(), cwd: work, encoding: 'buffer', reject: false },
    );
    expect(result.exitCode, Buffer.from(result.stderr).toString()).toBe(0);
    writeFileSync(piped, result.stdout);
    const manifest = JSON.parse(readFileSync(join(work, 'piped.json'), 'utf8'));
    expect(manifest.sha256).toBe(createHash('sha256').update(result.stdout).digest('hex'));
    // The archives differ only in their creation time: their tables of contents are the same.
    const toc = async (file: string) =>
      String((await execa('pg_restore', ['--list', file])).stdout)
        .split('\n')
        .filter((line) => !line.startsWith(';'))
        .join('\n');
    expect(await toc(piped)).toBe(await toc(dump));
    expect(manifest.tables).toEqual(
      JSON.parse(readFileSync(`${dump}.manifest.json`, 'utf8')).tables,
    );
  });

  it('refuses a bad --output directory and an existing file (exit 2) before asking the cluster', async () => {
    const missing = await cli(['backup', '-n', ns, '--output', '/no/such/dir/x.dump']);
    expect(missing.exitCode).toBe(2);
    expect(String(missing.stderr)).toMatch(/does not exist/);
    const taken = await cli(['backup', '-n', ns, '--output', 'first.dump']);
    expect(taken.exitCode).toBe(2);
    expect(String(taken.stderr)).toMatch(/never overwrites/);
  });

  it('restore after a drop gives back every row of every table, and the writers their counts', async () => {
    const before = await tableDigests();
    const replicas = await writerReplicas();
    await emptyDatabase();
    expect(await tableDigests()).toEqual({});
    const { result, report } = await sampleCommandLines(password, () =>
      cli(['restore', 'first.dump', '-n', ns, '--release', release, '--yes']),
    );
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(report.leaks).toEqual([]);
    expect(String(result.stdout)).toMatch(/every row count matches the manifest/);
    expect(await tableDigests()).toEqual(before);
    expect(await writerReplicas()).toEqual(replicas);
  });

  it('refuses bad input with exit 2 and changes nothing', async () => {
    const before = await tableDigests();
    const replicas = await writerReplicas();
    writeFileSync(join(work, 'not-a-dump.dump'), '-- plain SQL\n');
    const tampered = join(work, 'tampered.dump');
    const bytes = readFileSync(dump);
    bytes.writeUInt8((bytes.readUInt8(bytes.length - 10) ^ 0xff) & 0xff, bytes.length - 10);
    writeFileSync(tampered, bytes);
    const cases: [string, string[], RegExp][] = [
      ['a missing file', ['restore', 'none.dump'], /no such file/],
      ['a file that is not a dump', ['restore', 'not-a-dump.dump'], /is not a dump/],
      [
        'a checksum mismatch',
        ['restore', 'tampered.dump', '--manifest', `${dump}.manifest.json`],
        /SHA-256/,
      ],
      ['a database with rows, without --force', ['restore', 'first.dump'], /not empty/],
      ['no terminal and no --yes', ['restore', 'first.dump', '--force'], /pass --yes/],
    ];
    for (const [what, args, message] of cases) {
      const yes = what === 'no terminal and no --yes' ? [] : ['--yes'];
      const result = await cli([...args, '-n', ns, '--release', release, ...yes]);
      expect(result.exitCode, `${what}: ${result.stderr}`).toBe(2);
      expect(String(result.stderr), what).toMatch(message);
    }
    const none = await cli(['restore', 'first.dump', '-n', ns, '--release', 'no-such', '--yes']);
    expect(none.exitCode).toBe(2);
    expect(await tableDigests()).toEqual(before);
    expect(await writerReplicas()).toEqual(replicas);
  });

  it('an interrupted restore prints its state and a command that finishes it', async () => {
    // Enough data that pg_restore is still reading when Ctrl-C comes.
    await pg.sql(
      "SET ROLE prefect; CREATE TABLE filler AS SELECT g AS id, md5(g::text) || repeat('x', 400) AS payload FROM generate_series(1, 150000) g; RESET ROLE",
      'prefect',
    );
    const before = await tableDigests();
    const replicas = await writerReplicas();
    const big = await cli(['backup', '-n', ns, '--release', release, '--output', 'big.dump']);
    expect(big.exitCode, String(big.stderr)).toBe(0);
    const child = execa(
      'node',
      [cliBin, 'restore', 'big.dump', '-n', ns, '--release', release, '--force', '--yes'],
      { env: env(), cwd: work, reject: false },
    );
    let seen = '';
    await Promise.race([
      new Promise<void>((resolve) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (/Restoring/.test(seen)) resolve();
        });
      }),
      child.then((ended) => {
        throw new Error(`restore ended before Ctrl-C: ${ended.exitCode} ${ended.stderr}`);
      }),
    ]);
    child.kill('SIGINT');
    const interrupted = await child;
    const stderr = String(interrupted.stderr);
    expect(interrupted.exitCode, stderr).toBe(130);
    expect(stderr).toMatch(/the writers are at zero replicas/);
    const remembered = await writerReplicas();
    expect(Object.values(remembered).some((r) => String(r).startsWith('0 (remembers'))).toBe(true);
    const command = /To finish: (prefect-server restore .*--resume --yes)/.exec(stderr)?.[1];
    expect(command, stderr).toBeDefined();
    const resumed = await execa(
      'sh',
      ['-c', `node ${cliBin} ${command?.replace(/^prefect-server /, '')}`],
      { env: env(), cwd: work, reject: false },
    );
    expect(resumed.exitCode, String(resumed.stderr)).toBe(0);
    expect(await tableDigests()).toEqual(before);
    expect(await writerReplicas()).toEqual(replicas);
  });
});
