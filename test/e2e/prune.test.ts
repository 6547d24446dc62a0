// prune and the retention CronJob against a real PostgreSQL holding Prefect Server's schema
// (test/fixtures/prefect-schema.sql, from its migrations) and rows over 60 days: a release
// installed by the real CLI with retention on, its database pod's `kubectl exec` routed by kwok to
// this machine's psql (support/exec-routes.ts). What each deletes is checked against counts the
// test computes with its own SQL (by flow run, state and time, not by reading the script), and
// against the foreign keys (no orphans). The CronJob's own command and script, read from the
// cluster, are run by psql on a second copy of the same data. Doctor's two data warnings are read
// on the same install.
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/checks/database-data.js';
import { helms } from '../support/tools.js';
import { cliBin, cliEnv, runCli } from './support/cli.js';
import { kubectl, kubectlJson, namespacesForThisFile } from './support/cluster.js';
import { sampleCommandLines } from './support/cmdline-sampler.js';
import { bundledDatabaseEnv, routeExec } from './support/exec-routes.js';
import { createHasuraDatabase, startPostgres, type TestPostgres } from './support/postgres.js';
import {
  loadPrefectSchema,
  orphanCounts,
  type Sql,
  seedPrefectData,
  tableCounts,
} from './support/prefect-data.js';

const [helm] = helms();
if (!helm) throw new Error('no helm to test with');

const namespace = namespacesForThisFile();
const release = 'prefect-server';
const day = 86_400_000;
let ns: string;
let pg: TestPostgres;
let password: string;
/** The seed's reference instant: runs from 60 days before it to 1 day before it. */
const base = new Date();
const work = mkdtempSync(join(tmpdir(), 'e2e-prune-'));
// Where backup records what it took, and status reads it back.
const state = mkdtempSync(join(tmpdir(), 'e2e-prune-state-'));
const cli = (args: string[]) =>
  runCli(helm, args, {
    env: cliEnv(helm, { XDG_STATE_HOME: state }),
    timeout: 300_000,
    cwd: work,
  });
const forwardName = () => `${ns}-prune`;

const db =
  (database: string): Sql =>
  (statement) =>
    pg.sql(statement, database);

/** Fills a database like the release's: the schema, 40 runs over 60 days, 3 of the oldest unfinished, logs of no run. */
async function fill(sql: Sql): Promise<void> {
  await loadPrefectSchema(sql, { owner: 'prefect' });
  await seedPrefectData(sql, {
    flowRuns: 40,
    from: new Date(base.getTime() - 60 * day),
    to: new Date(base.getTime() - day),
    owner: 'prefect',
  });
  // Old runs that are not finished stay, whatever their age (only their old logs go).
  await sql(
    `UPDATE flow_run SET state = 'Running', end_time = NULL
      WHERE id IN (SELECT id FROM flow_run ORDER BY start_time LIMIT 3)`,
  );
  // Logs of no flow run (an agent's), one old and one recent each day.
  await sql(
    `INSERT INTO log (tenant_id, "timestamp", created, updated, name, level, message)
     SELECT (SELECT id FROM tenant LIMIT 1), t, t, t, 'agent', 'INFO', 'polling'
       FROM generate_series('${new Date(base.getTime() - 59.5 * day).toISOString()}'::timestamptz,
                            '${base.toISOString()}'::timestamptz, interval '1 day') AS t`,
  );
}

/**
 * What a cutoff must delete, per table, by the rule written out here on its own: logs older than
 * the cutoff; with flow runs, every finished (Success...) run that ended before it and every row
 * of it (its states, task runs, their states and artifacts, and its logs of any age).
 */
async function expectedDeletions(
  sql: Sql,
  cutoff: Date,
  flowRuns: boolean,
): Promise<Record<string, number>> {
  const c = `'${cutoff.toISOString()}'::timestamptz`;
  const runs = flowRuns
    ? `SELECT id FROM flow_run WHERE state IN ('Success','Failed','Cached','TimedOut','Looped','Cancelled') AND end_time < ${c}`
    : 'SELECT NULL::uuid WHERE false';
  const tasks = `SELECT id FROM task_run WHERE flow_run_id IN (${runs})`;
  const [row] = await sql(`SELECT
      (SELECT count(*) FROM log WHERE "timestamp" < ${c} OR flow_run_id IN (${runs}) OR task_run_id IN (${tasks}))::int AS log,
      (SELECT count(*) FROM flow_run WHERE id IN (${runs}))::int AS flow_run,
      (SELECT count(*) FROM flow_run_state WHERE flow_run_id IN (${runs}))::int AS flow_run_state,
      (SELECT count(*) FROM task_run WHERE id IN (${tasks}))::int AS task_run,
      (SELECT count(*) FROM task_run_state WHERE task_run_id IN (${tasks}))::int AS task_run_state,
      (SELECT count(*) FROM task_run_artifact WHERE task_run_id IN (${tasks}))::int AS task_run_artifact`);
  const out = row as Record<string, number>;
  return flowRuns ? out : { log: out.log as number };
}

/** Rows per table that the printed table names (`  log   1,234`). */
function printedRows(stdout: string, heading: string): Record<string, number> {
  const lines = stdout.split('\n');
  const start = lines.indexOf(heading);
  const rows: Record<string, number> = {};
  for (const line of lines.slice(start + 1)) {
    const match = /^ {2}([a-z_]+)\s+([0-9,]+)$/.exec(line);
    if (!match) break;
    if (match[1] !== 'total') rows[match[1] as string] = Number(match[2]?.replaceAll(',', ''));
  }
  return rows;
}

const minus = (before: Record<string, number>, gone: Record<string, number>) =>
  Object.fromEntries(Object.entries(before).map(([t, n]) => [t, n - (gone[t] ?? 0)]));

beforeAll(async () => {
  ns = await namespace('e2e-prune');
  pg = await startPostgres();
  // Doctor reaches the database through a port-forward, as on a real cluster.
  await kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterPortForward',
      metadata: { name: forwardName() },
      spec: {
        selector: { matchNamespaces: [ns] },
        forwards: [{ ports: [5432], target: { port: pg.port, address: '127.0.0.1' } }],
      },
    }),
  });
  const install = await cli([
    'install',
    '--yes',
    '-n',
    ns,
    '--log-retention-days',
    '30',
    '--flow-run-retention-days',
    '30',
  ]);
  expect(install.exitCode, String(install.stderr)).toBe(0);
  const secret = await kubectlJson(['get', 'secret', `${release}-postgresql`, '-n', ns]);
  password = Buffer.from(secret.data['postgresql-password'], 'base64').toString('utf8');
  await createHasuraDatabase(pg, { user: 'prefect', password, database: 'prefect' });
  await pg.sql('CREATE DATABASE prefect_cron OWNER prefect');
  await routeExec(ns, `${release}-postgresql-0`, [
    { containers: ['postgresql'], env: bundledDatabaseEnv(pg) },
  ]);
  await fill(db('prefect'));
  await fill(db('prefect_cron'));
}, 300_000);

afterAll(async () => {
  await kubectl(['delete', 'clusterportforward', forwardName(), '--ignore-not-found'], {
    reject: false,
  });
  await pg?.stop();
});

describe('prune', () => {
  const sql = () => db('prefect');
  // 30 days: between two runs (they are 1.5 days apart), so a few seconds between the test's clock
  // and the CLI's change nothing.
  const cutoff = () => new Date(base.getTime() - 30 * day);

  it('refuses bad input with exit 2 and changes nothing', async () => {
    const before = await tableCounts(sql());
    for (const [args, rule] of [
      [['--older-than', '0d'], '--older-than must be longer than zero'],
      [['--older-than', '30'], '--older-than must be an age such as 30d, 12h or 1d12h'],
      [['--older-than', 'a month'], '--older-than must be an age such as 30d'],
      [[], '--older-than is required'],
      [['--older-than', '30d', '--batch-size', '0'], '--batch-size must be a whole number'],
      // No terminal and no --yes: nobody can confirm.
      [['--older-than', '30d', '--flow-runs'], 'pass --yes to delete'],
    ] as const) {
      const result = await cli(['prune', '-n', ns, ...args]);
      expect(result.exitCode, String(result.stderr)).toBe(2);
      expect(String(result.stderr)).toContain(rule);
    }
    expect(await tableCounts(sql())).toEqual(before);
  });

  it('--dry-run prints the rows per table that would go, and deletes nothing', async () => {
    const before = await tableCounts(sql());
    const expected = await expectedDeletions(sql(), cutoff(), true);
    expect(expected.flow_run).toBeGreaterThan(5);
    const result = await cli([
      'prune',
      '-n',
      ns,
      '--older-than',
      '30d',
      '--flow-runs',
      '--dry-run',
    ]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(printedRows(String(result.stdout), 'Rows that would be deleted:')).toEqual(expected);
    expect(String(result.stdout)).toContain('Dry run: nothing was deleted.');
    expect(await tableCounts(sql())).toEqual(before);
  });

  it('logs only: deletes exactly the old logs, in batches, the password in no command line', async () => {
    const before = await tableCounts(sql());
    const expected = await expectedDeletions(sql(), cutoff(), false);
    expect(expected.log).toBeGreaterThan(50);
    const dry = await cli(['prune', '-n', ns, '--older-than', '30d', '--dry-run']);
    const { result, report } = await sampleCommandLines(password, () =>
      cli(['prune', '-n', ns, '--older-than', '30d', '--yes', '--batch-size', '25']),
    );
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(report.samples).toBeGreaterThan(3);
    expect(report.leaks).toEqual([]);
    const stdout = String(result.stdout);
    expect(printedRows(stdout, 'Rows deleted:')).toEqual(expected);
    // The dry run printed the same counts.
    expect(printedRows(String(dry.stdout), 'Rows that would be deleted:')).toEqual(expected);
    // Progress batch by batch (about 25 rows each: a range of pages that holds that many).
    const progress = [
      ...stdout.matchAll(new RegExp(`^- log: ([0-9,]+) of ${expected.log} rows deleted$`, 'gm')),
    ];
    expect(progress.length).toBeGreaterThan(2);
    expect(Number(progress[0]?.[1]?.replaceAll(',', ''))).toBeLessThan(expected.log as number);
    expect(await tableCounts(sql())).toEqual(minus(before, expected));
    const [old] = await sql()(
      `SELECT count(*)::int AS n FROM log WHERE "timestamp" < '${cutoff().toISOString()}'`,
    );
    expect(old?.n).toBe(0);
    expect(Object.values(await orphanCounts(sql())).every((n) => n === 0)).toBe(true);
  });

  it('--flow-runs: deletes old finished runs with all that hangs off them, keeps unfinished ones, no orphans', async () => {
    const before = await tableCounts(sql());
    const expected = await expectedDeletions(sql(), cutoff(), true);
    expect(expected.task_run_state).toBeGreaterThan(0);
    const running = await sql()("SELECT id FROM flow_run WHERE state = 'Running'");
    const result = await cli(['prune', '-n', ns, '--older-than', '30d', '--flow-runs', '--yes']);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(printedRows(String(result.stdout), 'Rows deleted:')).toEqual(expected);
    expect(await tableCounts(sql())).toEqual(minus(before, expected));
    expect(await orphanCounts(sql())).toEqual({
      'flow_run_state.flow_run_id': 0,
      'task_run.flow_run_id': 0,
      'task_run_state.task_run_id': 0,
      'task_run_artifact.task_run_id': 0,
      'log.flow_run_id': 0,
      'log.task_run_id': 0,
    });
    const [kept] = await sql()(
      `SELECT count(*)::int AS n FROM flow_run WHERE state = 'Running' AND id IN (${running.map((r) => `'${r.id}'`).join(',')})`,
    );
    expect(kept?.n).toBe(3);
    const [older] = await sql()(
      `SELECT count(*)::int AS n FROM flow_run WHERE state = 'Success' AND end_time < '${cutoff().toISOString()}'`,
    );
    expect(older?.n).toBe(0);
    // Again: nothing left to delete.
    const again = await cli(['prune', '-n', ns, '--older-than', '30d', '--flow-runs', '--yes']);
    expect(again.exitCode).toBe(0);
    expect(String(again.stdout)).toContain('nothing to delete');
  });
});

describe('the retention CronJob', () => {
  it('runs the same script: psql with its own command deletes what prune does', async () => {
    const cronJob = await kubectlJson(['get', 'cronjob', `${release}-retention`, '-n', ns]);
    expect(cronJob.spec.concurrencyPolicy).toBe('Forbid');
    const pod = cronJob.spec.jobTemplate.spec.template.spec;
    const container = pod.containers[0];
    const configMap = await kubectlJson([
      'get',
      'configmap',
      pod.volumes[0].configMap.name,
      '-n',
      ns,
    ]);
    const scriptFile = join(work, 'retention.sql');
    writeFileSync(scriptFile, configMap.data['retention.sql']);
    // The container's argv as the kubelet would run it, the script at its mount.
    const [program, ...args] = (container.command as string[]).map((arg) =>
      arg === '/retention/retention.sql' ? scriptFile : arg,
    );
    expect(args).toContain('logs_older_than=30 days');
    expect(args).toContain('flow_runs_older_than=30 days');
    const env = Object.fromEntries(
      (container.env as { name: string; value?: string }[])
        .filter((e) => e.value !== undefined)
        .map((e) => [e.name, e.value as string]),
    );
    // The password from the Secret hasura reads, never a value in the CronJob.
    const hasura = await kubectlJson(['get', 'deployment', `${release}-hasura`, '-n', ns]);
    const refOf = (c: { env: { name: string; value?: string; valueFrom?: unknown }[] }) =>
      c.env.find((e) => e.name === 'PGPASSWORD');
    expect(refOf(container)?.value).toBeUndefined();
    expect(refOf(container)?.valueFrom).toEqual(
      refOf(hasura.spec.template.spec.containers[0])?.valueFrom,
    );
    const sql = db('prefect_cron');
    const before = await tableCounts(sql);
    const expected = await expectedDeletions(sql, new Date(base.getTime() - 30 * day), true);
    const ran = await execa(program as string, args, {
      // What the pod gets: its env, the Secret's password as PGPASSWORD; the Service is the test server.
      env: {
        ...env,
        PGHOST: '127.0.0.1',
        PGPORT: String(pg.port),
        PGDATABASE: 'prefect_cron',
        PGPASSWORD: password,
      },
      reject: false,
    });
    expect(ran.exitCode, ran.stderr).toBe(0);
    const deleted = Object.fromEntries(
      ran.stdout
        .split('\n')
        .filter((l) => l.startsWith('deleted|'))
        .map((l) => [l.split('|')[1], Number(l.split('|')[2])]),
    );
    expect(deleted).toEqual(expected);
    expect(await tableCounts(sql)).toEqual(minus(before, expected));
    expect(Object.values(await orphanCounts(sql)).every((n) => n === 0)).toBe(true);
    // Both copies now hold the same rows per table: the CronJob and prune deleted alike.
    expect(await tableCounts(sql)).toEqual(await tableCounts(db('prefect')));
  });
});

describe('doctor on the data', () => {
  it('warns that a default install has no volume, and about a log table from --log-table-warn', async () => {
    const run = async (extra: string[]) => {
      const result = await cli([
        'doctor',
        '-n',
        ns,
        '--category',
        'database',
        '--output',
        'json',
        ...extra,
      ]);
      const json = JSON.parse(String(result.stdout)) as {
        checks: { id: string; status: string; message: string; hint: string | null }[];
      };
      return (id: string) => json.checks.find((c) => c.id === id);
    };
    const defaults = await run([]);
    expect(defaults('database-volume')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('data is lost when the pod goes'),
      hint: expect.stringContaining('--db-persistence'),
    });
    const [log] = await db('prefect')('SELECT count(*)::int AS n FROM log');
    expect(defaults('database-log-table')).toMatchObject({
      status: 'pass',
      message: expect.stringMatching(
        new RegExp(`^the log table holds [0-9.]+ KiB, ${log?.n} rows \\(warning from 1 GiB\\)$`),
      ),
    });
    const low = await run(['--log-table-warn', '16Ki']);
    expect(low('database-log-table')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining(`${log?.n} rows, over 16 KiB`),
      hint: expect.stringContaining(`prefect-server prune -n ${ns} --older-than 30d --dry-run`),
    });
    const bad = await cli(['doctor', '-n', ns, '--log-table-warn', 'huge']);
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr)).toContain('--log-table-warn must be a size above zero');
  });
});

describe('status on the data', () => {
  it('shows the database size and the last backup known to this machine', async () => {
    const none = await cli(['status', '-n', ns]);
    expect(none.exitCode, String(none.stderr)).toBe(0);
    expect(String(none.stdout)).toContain(
      `backup    none known to this machine (take one: prefect-server backup -n ${ns})`,
    );
    const backup = await cli(['backup', '-n', ns, '--output', 'status.dump']);
    expect(backup.exitCode, String(backup.stderr)).toBe(0);
    const dumpSize = statSync(join(work, 'status.dump')).size;
    const [row] = await db('prefect')('SELECT pg_database_size(current_database())::text AS bytes');
    const text = await cli(['status', '-n', ns]);
    expect(text.exitCode, String(text.stderr)).toBe(0);
    expect(String(text.stdout)).toContain(`db size   ${formatBytes(Number(row?.bytes))}\nbackup `);
    const line = String(text.stdout)
      .split('\n')
      .find((l) => l.startsWith('backup    '));
    expect(line).toMatch(/^backup {4}last from this machine \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    expect(line).toContain(`: ${join(work, 'status.dump')} (${formatBytes(dumpSize)})`);
    const json = JSON.parse(String((await cli(['status', '-n', ns, '--output', 'json'])).stdout));
    expect(json.databaseSize).toEqual({ bytes: Number(row?.bytes) });
    expect(json.lastBackup).toMatchObject({ file: join(work, 'status.dump') });
  });
});

describe('upgrade --log-retention-days and --flow-run-retention-days', () => {
  it('changes the CronJob, and 0 removes it', async () => {
    const changed = await cli(['upgrade', '--yes', '-n', ns, '--log-retention-days', '7']);
    expect(changed.exitCode, String(changed.stderr)).toBe(0);
    const cronJob = await kubectlJson(['get', 'cronjob', `${release}-retention`, '-n', ns]);
    const command = cronJob.spec.jobTemplate.spec.template.spec.containers[0].command;
    expect(command).toContain('logs_older_than=7 days');
    // The flow-run part given at install is kept: upgrade read it back from the release.
    expect(command).toContain('flow_runs_older_than=30 days');
    const off = await cli([
      'upgrade',
      '--yes',
      '-n',
      ns,
      '--log-retention-days',
      '0',
      '--flow-run-retention-days',
      '0',
    ]);
    expect(off.exitCode, String(off.stderr)).toBe(0);
    const left = await kubectl(['get', 'cronjobs', '-n', ns, '-o', 'name']);
    expect(String(left.stdout).trim()).toBe('');
  });
});

describe('prune interrupted', () => {
  it('Ctrl-C mid-delete exits 130 with the state and the command that goes on, which finishes', async () => {
    const sql = db('prefect');
    // Enough old logs that one-row batches take a while.
    await sql(
      `INSERT INTO log (tenant_id, "timestamp", created, updated, name, level, message)
       SELECT (SELECT id FROM tenant LIMIT 1), t, t, t, 'agent', 'INFO', 'bulk'
         FROM generate_series(1, 20000) i,
              LATERAL (SELECT '${new Date(base.getTime() - 40 * day).toISOString()}'::timestamptz + i * interval '1 second' AS t) x`,
    );
    const expected = await expectedDeletions(sql, new Date(base.getTime() - 30 * day), false);
    // 20000 and whatever old logs earlier tests left (none when they ran).
    const total = expected.log as number;
    expect(total).toBeGreaterThanOrEqual(20000);
    const child = execa(
      'node',
      [cliBin, 'prune', '-n', ns, '--older-than', '30d', '--yes', '--batch-size', '1'],
      { env: cliEnv(helm, { XDG_STATE_HOME: state }), cwd: work, reject: false },
    );
    let seen = '';
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (
          new RegExp(`- log: [0-9,]+ of ${total.toLocaleString('en-US')} rows deleted`).test(seen)
        )
          resolve();
      });
    });
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    expect(String(result.stderr)).toContain('Interrupted (SIGINT) while deleting');
    expect(String(result.stderr)).toContain(
      `prefect-server prune -n ${ns} --release ${release} --older-than 30d --yes`,
    );
    const [left] = await sql(
      `SELECT count(*)::int AS n FROM log WHERE "timestamp" < '${new Date(base.getTime() - 30 * day).toISOString()}'`,
    );
    expect(left?.n).toBeGreaterThan(0);
    expect(left?.n).toBeLessThan(total);
    // The printed command goes on and finishes.
    const again = await cli([
      'prune',
      '-n',
      ns,
      '--release',
      release,
      '--older-than',
      '30d',
      '--yes',
    ]);
    expect(again.exitCode, String(again.stderr)).toBe(0);
    const [none] = await sql(
      `SELECT count(*)::int AS n FROM log WHERE "timestamp" < '${new Date(base.getTime() - 30 * day).toISOString()}'`,
    );
    expect(none?.n).toBe(0);
  }, 120_000);
});
