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
import { eventually, kubectl, kubectlJson, namespacesForThisFile } from './support/cluster.js';
import { sampleCommandLines } from './support/cmdline-sampler.js';
import { bundledDatabaseEnv, routeExec, routeNamespaceExec } from './support/exec-routes.js';
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

  it('restores an older schema and lets the new graphql pods migrate it; refuses a newer one', async () => {
    const manifest = JSON.parse(readFileSync(`${dump}.manifest.json`, 'utf8'));
    writeFileSync(
      join(work, 'older.json'),
      JSON.stringify({ ...manifest, appVersion: '2022.04.14', schemaRevision: '6611fd0ccc73' }),
    );
    writeFileSync(
      join(work, 'newer.json'),
      JSON.stringify({ ...manifest, appVersion: '2099.01.01' }),
    );
    const before = await tableDigests();
    const replicas = await writerReplicas();
    const newer = await cli([
      'restore',
      'first.dump',
      '--manifest',
      'newer.json',
      '-n',
      ns,
      '--release',
      release,
      '--force',
      '--yes',
    ]);
    expect(newer.exitCode, String(newer.stderr)).toBe(2);
    expect(String(newer.stderr)).toMatch(/newer than this release's 2022.09.23/);
    expect(await writerReplicas()).toEqual(replicas);

    const graphqlPods = async () =>
      (
        await kubectlJson(['get', 'pods', '-n', ns, '-l', 'app.kubernetes.io/component=graphql'])
      ).items
        // biome-ignore lint/suspicious/noExplicitAny: Pod JSON
        .filter((p: any) => p.metadata.deletionTimestamp === undefined)
        // biome-ignore lint/suspicious/noExplicitAny: Pod JSON
        .map((p: any) => p.metadata.name);
    const podsBefore = await graphqlPods();
    const older = await cli([
      'restore',
      'first.dump',
      '--manifest',
      'older.json',
      '-n',
      ns,
      '--release',
      release,
      '--force',
      '--yes',
    ]);
    expect(older.exitCode, String(older.stderr)).toBe(0);
    expect(String(older.stdout)).toMatch(
      /older than the server's \(ac5747fb571c\): graphql's init container runs prefect-server database upgrade --yes/,
    );
    expect(await tableDigests()).toEqual(before);
    // The migration runs where the chart puts it: the init container of graphql's new pods.
    const podsAfter = await eventually('new graphql pods', async () => {
      const now = await graphqlPods();
      return now.length > 0 && now.every((p: string) => !podsBefore.includes(p)) ? now : undefined;
    });
    const pod = await kubectlJson(['get', 'pod', podsAfter[0], '-n', ns]);
    expect(JSON.stringify(pod.spec.initContainers)).toContain(
      'prefect-server database upgrade --yes',
    );
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

describe('interrupted backup, and a release without a database', () => {
  it('Ctrl-C mid-dump exits 130 and removes the partial file', async () => {
    const partial = join(work, 'sigint.dump');
    const child = execa(
      'node',
      [cliBin, 'backup', '-n', ns, '--release', release, '--output', 'sigint.dump'],
      { env: env(), cwd: work, reject: false },
    );
    await Promise.race([
      eventually(
        'the dump to be written',
        async () => (statSync(partial, { throwIfNoEntry: false })?.size ?? 0) > 0 || undefined,
        30_000,
      ),
      child.then((ended) => {
        throw new Error(`backup ended before Ctrl-C: ${ended.exitCode} ${ended.stderr}`);
      }),
    ]);
    child.kill('SIGINT');
    const ended = await child;
    expect(ended.exitCode, String(ended.stderr)).toBe(130);
    expect(String(ended.stderr)).toMatch(
      /partial file .*sigint.dump was removed; nothing in the cluster was changed/,
    );
    expect(statSync(partial, { throwIfNoEntry: false })).toBeUndefined();
    expect(statSync(`${partial}.manifest.json`, { throwIfNoEntry: false })).toBeUndefined();
  });

  it('a release whose Deployments name no database: exit 2, no file, nothing changed', async () => {
    const bare = await namespace('e2e-backup-nodb');
    const installed = await cli(['install', '--yes', '-n', bare]);
    expect(installed.exitCode, String(installed.stderr)).toBe(0);
    await kubectl(['delete', 'deployment', `${release}-hasura`, `${release}-graphql`, '-n', bare]);
    const replicas = JSON.stringify(
      (await kubectlJson(['get', 'deployments', '-n', bare])).items.map(
        // biome-ignore lint/suspicious/noExplicitAny: Deployment JSON
        (d: any) => [d.metadata.name, d.spec.replicas, d.metadata.annotations],
      ),
    );
    const backup = await cli(['backup', '-n', bare, '--output', 'nodb.dump']);
    expect(backup.exitCode, String(backup.stderr)).toBe(2);
    expect(String(backup.stderr)).toMatch(/has no database to reach/);
    expect(statSync(join(work, 'nodb.dump'), { throwIfNoEntry: false })).toBeUndefined();
    const restore = await cli(['restore', 'first.dump', '-n', bare, '--yes']);
    expect(restore.exitCode, String(restore.stderr)).toBe(2);
    expect(String(restore.stderr)).toMatch(/has no database to reach/);
    expect(
      JSON.stringify(
        (await kubectlJson(['get', 'deployments', '-n', bare])).items.map(
          // biome-ignore lint/suspicious/noExplicitAny: Deployment JSON
          (d: any) => [d.metadata.name, d.spec.replicas, d.metadata.annotations],
        ),
      ),
    ).toBe(replicas);
  });
});

describe('backup and restore of an external database, through a client pod', () => {
  it('dumps and restores over TCP with the password in no command line, and deletes the pod', async () => {
    const ext = await namespace('e2e-backup-ext');
    await pg.sql('CREATE DATABASE prefect_ext OWNER prefect');
    for (const extension of ['pgcrypto', 'pg_trgm'])
      await pg.sql(`CREATE EXTENSION IF NOT EXISTS ${extension}`, 'prefect_ext');
    const extSql: Sql = (statement) => pg.sql(statement, 'prefect_ext');
    await loadPrefectSchema(extSql, { owner: 'prefect' });
    await seedPrefectData(extSql, {
      flowRuns: 10,
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-01-10T00:00:00Z'),
      owner: 'prefect',
    });
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db-pass' },
      stringData: { 'postgres-password': password },
    };
    await kubectl(['apply', '-n', ext, '-f', '-'], { input: JSON.stringify(secret) });
    const installed = await cli([
      'install',
      '--yes',
      '-n',
      ext,
      '--database',
      'external',
      '--db-host',
      '127.0.0.1',
      '--db-port',
      String(pg.port),
      '--db-name',
      'prefect_ext',
      '--db-existing-secret',
      'db-pass',
    ]);
    expect(installed.exitCode, String(installed.stderr)).toBe(0);
    // The client pod's name is made at run time: every pod of the namespace execs locally, with
    // the environment a kubelet gives the client pod (its PG* values and the Secret's password),
    // over TCP where the test server asks for the password (scram-sha-256).
    const unroute = await routeNamespaceExec(ext, [
      {
        env: {
          PGHOST: '127.0.0.1',
          PGPORT: String(pg.port),
          PGUSER: 'prefect',
          PGDATABASE: 'prefect_ext',
          PGPASSWORD: password,
        },
      },
    ]);
    try {
      const digests = async () => {
        const rows = await extSql(
          "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        );
        const out: Record<string, string> = {};
        for (const { tablename } of rows as { tablename: string }[]) {
          const [row] = await extSql(
            `SELECT count(*)::text AS n, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS sum FROM public."${tablename}" t`,
          );
          out[tablename] = `${row?.n}:${row?.sum}`;
        }
        return out;
      };
      const before = await digests();
      const { result, report } = await sampleCommandLines(password, async () => {
        const backup = await cli(['backup', '-n', ext, '--output', 'external.dump']);
        if (backup.exitCode !== 0) return backup;
        await extSql('DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION prefect');
        return cli(['restore', 'external.dump', '-n', ext, '--yes']);
      });
      expect(result.exitCode, String(result.stderr)).toBe(0);
      expect(report.samples).toBeGreaterThan(10);
      expect(report.leaks).toEqual([]);
      const manifest = JSON.parse(readFileSync(join(work, 'external.dump.manifest.json'), 'utf8'));
      expect(manifest.tables.flow_run).toBe(10);
      expect(await digests()).toEqual(before);
      const clients = await kubectlJson([
        'get',
        'pods',
        '-n',
        ext,
        '-l',
        'app.kubernetes.io/component=db-client',
      ]);
      expect(
        // biome-ignore lint/suspicious/noExplicitAny: Pod JSON
        clients.items.filter((p: any) => p.metadata.deletionTimestamp === undefined),
      ).toEqual([]);
    } finally {
      await unroute();
    }
  });
});
