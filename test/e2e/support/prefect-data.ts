// A Prefect Server database for the tests of backup, restore and prune: the schema of
// test/fixtures/prefect-schema.sql (Prefect Server's tables, keys and ON DELETE rules from its
// alembic migrations; read its header) and rows in every table, spread over a date range.
//
// How to use (any SQL runner: here the test server's superuser, in the release's database):
//
//   const pg = await startPostgres();                                   // support/postgres.ts
//   await createHasuraDatabase(pg, { user: 'prefect', password, database: 'prefect' });
//   const sql: Sql = (statement) => pg.sql(statement, 'prefect');
//   await loadPrefectSchema(sql, { owner: 'prefect' });   // tables owned by the database user,
//                                                         // so pg_dump as that user reads them all
//   const seeded = await seedPrefectData(sql, {
//     flowRuns: 40, from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-03-01T00:00:00Z'),
//     owner: 'prefect',
//   });
//   seeded.counts            // rows per table, as tableCounts(sql) reads them
//   seeded.runTimes          // each flow run's time, oldest first (pick a prune cutoff between two)
//   await tableChecksums(sql) // md5 of each table's rows, in a stable order: equal after restore
//   await orphanCounts(sql)   // rows whose parent flow run / task run is gone: 0 after a prune
//
// The rows of one flow run all carry times within its own 10 minutes, starting at its run time:
// flow_run (created one minute before, scheduled_start_time/start_time = run time, end_time and
// state_timestamp 10 minutes later), its flow_run_state rows (Scheduled, Submitted, Running,
// Success), one task_run per task of the flow (made by the schema's trigger, as Prefect does)
// with Pending, Running and Success task_run_state rows, logs per task run plus two flow-level
// logs (task_run_id null), and one task_run_artifact. `created`, `updated` and `timestamp` of
// every such row fall in that window, so a cutoff by any of them selects the same flow runs.
// Run times are spread evenly from `from` to `to` (both included); all runs are finished
// (state Success). tenant, project, flow_group, flow, task, edge, agent_config and agent are made
// once (created at `from`).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Runs SQL (one or many statements) and returns the rows of the last. */
export type Sql = (statement: string) => Promise<Record<string, unknown>[]>;

export const prefectSchemaFile = resolve(
  import.meta.dirname,
  '..',
  '..',
  'fixtures',
  'prefect-schema.sql',
);

/** Every table the schema makes, parents before children. */
export const prefectTables = [
  'tenant',
  'project',
  'flow_group',
  'flow',
  'task',
  'edge',
  'agent_config',
  'agent',
  'flow_run',
  'flow_run_state',
  'task_run',
  'task_run_state',
  'task_run_artifact',
  'log',
  'alembic_version',
] as const;
export type PrefectTable = (typeof prefectTables)[number];

/** The revision alembic_version holds: the head of Prefect Server's migrations. */
export const prefectSchemaRevision = 'ac5747fb571c';

const identifier = (name: string) => {
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new Error(`not a plain role name: ${name}`);
  return `"${name}"`;
};

const asRole = (owner: string | undefined, statement: string) =>
  owner ? `SET ROLE ${identifier(owner)};\n${statement}\nRESET ROLE;` : statement;

/** Creates the schema; with `owner`, as that role (it must be allowed to create in the database). */
export async function loadPrefectSchema(sql: Sql, options: { owner?: string } = {}): Promise<void> {
  await sql(asRole(options.owner, readFileSync(prefectSchemaFile, 'utf8')));
}

export interface SeedOptions {
  flowRuns: number;
  /** Tasks of the one flow, so task runs per flow run (default 3). */
  tasksPerFlow?: number;
  /** Logs per task run (default 2); each flow run has two flow-level logs on top. */
  logsPerTaskRun?: number;
  /** Bytes of each log message (default about 60): makes a database of a chosen size. */
  logMessageBytes?: number;
  from: Date;
  to: Date;
  /** The role to write as (the tables' owner: the seeding disables their update triggers). */
  owner?: string;
}

export interface Seeded {
  counts: Record<PrefectTable, number>;
  /** Each flow run's run time (start_time), oldest first. */
  runTimes: Date[];
}

/** Fills a database that has the schema and no rows yet. */
export async function seedPrefectData(sql: Sql, options: SeedOptions): Promise<Seeded> {
  const n = options.flowRuns;
  const k = options.tasksPerFlow ?? 3;
  const logs = options.logsPerTaskRun ?? 2;
  const pad = Math.max(0, (options.logMessageBytes ?? 60) - 20);
  for (const [name, value, min] of [
    ['flowRuns', n, 1],
    ['tasksPerFlow', k, 1],
    ['logsPerTaskRun', logs, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < min)
      throw new Error(`${name} must be an integer >= ${min}`);
  }
  if (!(options.from.getTime() <= options.to.getTime()))
    throw new Error('from must not be after to');
  const from = options.from.toISOString();
  const to = options.to.toISOString();
  const seed = `
DO $seed$
DECLARE
  v_tenant uuid;
  v_project uuid;
  v_group uuid;
  v_flow uuid;
  v_config uuid;
  v_agent uuid;
  v_from timestamptz := '${from}';
  v_to timestamptz := '${to}';
BEGIN
  INSERT INTO tenant (name, slug, created, updated) VALUES ('default', 'default', v_from, v_from)
    RETURNING id INTO v_tenant;
  INSERT INTO project (tenant_id, name, created, updated) VALUES (v_tenant, 'seeded', v_from, v_from)
    RETURNING id INTO v_project;
  INSERT INTO flow_group (tenant_id, name, created, updated, labels)
    VALUES (v_tenant, 'etl', v_from, v_from, '["k8s"]') RETURNING id INTO v_group;
  INSERT INTO flow (tenant_id, project_id, flow_group_id, name, version, version_group_id,
                    core_version, created, updated, serialized_flow)
    VALUES (v_tenant, v_project, v_group, 'etl', 1, 'etl', '1.4.1', v_from, v_from,
            '{"type": "prefect.core.flow.Flow"}') RETURNING id INTO v_flow;
  INSERT INTO task (tenant_id, flow_id, name, slug, type, is_root_task, is_terminal_task,
                    is_reference_task, created, updated)
    SELECT v_tenant, v_flow, 'task-' || i, 'task-' || i || '-1', 'prefect.tasks.core.function.FunctionTask',
           i = 1, i = ${k}, i = ${k}, v_from, v_from
    FROM generate_series(1, ${k}) i;
  INSERT INTO edge (tenant_id, flow_id, upstream_task_id, downstream_task_id, created, updated)
    SELECT v_tenant, v_flow, a.id, b.id, v_from, v_from
    FROM task a JOIN task b ON b.flow_id = a.flow_id
      AND b.name = 'task-' || (substr(a.name, 6)::int + 1)
    WHERE a.flow_id = v_flow;
  INSERT INTO agent_config (tenant_id, name, created, updated) VALUES (v_tenant, 'default', v_from, v_from)
    RETURNING id INTO v_config;
  INSERT INTO agent (tenant_id, agent_config_id, name, type, core_version, created, updated, last_queried)
    VALUES (v_tenant, v_config, 'k8s-agent', 'KubernetesAgent', '1.4.1', v_from, v_from, v_to)
    RETURNING id INTO v_agent;

  -- the trigger gives each new flow run its task runs and their Pending states
  INSERT INTO flow_run (tenant_id, flow_id, agent_id, name, idempotency_key, labels, created, updated,
                        scheduled_start_time, start_time, end_time, heartbeat, version, state,
                        state_timestamp, state_start_time, state_message, serialized_state)
    SELECT v_tenant, v_flow, v_agent, 'run-' || i, 'seed-' || i, '["k8s"]',
           at - interval '1 minute', at + interval '10 minutes',
           at, at, at + interval '10 minutes', at + interval '9 minutes', 4, 'Success',
           at + interval '10 minutes', at, 'All reference tasks succeeded.',
           '{"type": "Success", "message": "All reference tasks succeeded."}'
    FROM (SELECT i, v_from + (v_to - v_from) * (CASE WHEN ${n} = 1 THEN 0 ELSE i::float8 / (${n} - 1) END) AS at
          FROM generate_series(0, ${n} - 1) i) runs;

  INSERT INTO flow_run_state (tenant_id, flow_run_id, created, updated, "timestamp", state, message,
                              start_time, serialized_state, version)
    SELECT v_tenant, fr.id, t.at, t.at, t.at, s.state, s.state || ' (seeded)', fr.start_time,
           jsonb_build_object('type', s.state), s.version
    FROM flow_run fr
    CROSS JOIN (VALUES (1, 'Scheduled', interval '-1 minute'), (2, 'Submitted', interval '0'),
                       (3, 'Running', interval '1 second'), (4, 'Success', interval '10 minutes'))
      AS s (version, state, offset_)
    CROSS JOIN LATERAL (SELECT fr.start_time + s.offset_ AS at) t
    WHERE fr.flow_id = v_flow;

  -- the trigger's rows were stamped now(): put them in their flow run's window
  ALTER TABLE task_run DISABLE TRIGGER update_timestamp;
  ALTER TABLE task_run_state DISABLE TRIGGER update_timestamp;
  UPDATE task_run tr
    SET name = t.name, created = fr.created, updated = fr.end_time,
        start_time = fr.start_time + interval '1 minute', end_time = fr.end_time - interval '1 minute',
        heartbeat = fr.end_time - interval '2 minutes', version = 3, state = 'Success',
        state_timestamp = fr.end_time - interval '1 minute', state_message = 'Task run succeeded',
        serialized_state = '{"type": "Success"}'
    FROM flow_run fr, task t
    WHERE tr.flow_run_id = fr.id AND t.id = tr.task_id AND fr.flow_id = v_flow;
  UPDATE task_run_state trs
    SET created = tr.created, updated = tr.created, "timestamp" = tr.created
    FROM task_run tr WHERE trs.task_run_id = tr.id;
  ALTER TABLE task_run ENABLE TRIGGER update_timestamp;
  ALTER TABLE task_run_state ENABLE TRIGGER update_timestamp;

  INSERT INTO task_run_state (tenant_id, task_run_id, created, updated, "timestamp", state, message,
                              start_time, serialized_state, version)
    SELECT v_tenant, tr.id, t.at, t.at, t.at, s.state, s.state || ' (seeded)', tr.start_time,
           jsonb_build_object('type', s.state), s.version
    FROM task_run tr
    CROSS JOIN (VALUES (2, 'Running'), (3, 'Success')) AS s (version, state)
    CROSS JOIN LATERAL (SELECT CASE s.state WHEN 'Running' THEN tr.start_time ELSE tr.end_time END AS at) t;

  INSERT INTO task_run_artifact (tenant_id, task_run_id, kind, data, created, updated)
    SELECT v_tenant, tr.id, 'link', jsonb_build_object('link', 'https://example.com/' || fr.name),
           tr.end_time, tr.end_time
    FROM task_run tr JOIN flow_run fr ON fr.id = tr.flow_run_id
    JOIN task t ON t.id = tr.task_id AND t.name = 'task-1';

  INSERT INTO log (tenant_id, flow_run_id, task_run_id, created, updated, "timestamp", name, level, message, info)
    SELECT v_tenant, tr.flow_run_id, tr.id, at, at, at, 'prefect.TaskRunner', 'INFO',
           'task log ' || j || ' ' || repeat('x', ${pad}), '{}'
    FROM task_run tr
    CROSS JOIN generate_series(1, ${logs}) j
    CROSS JOIN LATERAL (SELECT tr.start_time + j * interval '1 second' AS at) t;
  INSERT INTO log (tenant_id, flow_run_id, task_run_id, created, updated, "timestamp", name, level, message, info)
    SELECT v_tenant, fr.id, NULL, at, at, at, 'prefect.FlowRunner', 'INFO',
           'flow log ' || j || ' ' || repeat('x', ${pad}), '{}'
    FROM flow_run fr
    CROSS JOIN generate_series(1, 2) j
    CROSS JOIN LATERAL (SELECT fr.start_time + j * interval '2 seconds' AS at) t;
END
$seed$;`;
  await sql(asRole(options.owner, seed));
  const runs = await sql('SELECT start_time FROM flow_run ORDER BY start_time');
  return {
    counts: await tableCounts(sql),
    runTimes: runs.map((r) => new Date(r.start_time as string | Date)),
  };
}

/** Exact row counts of every table. */
export async function tableCounts(sql: Sql): Promise<Record<PrefectTable, number>> {
  const rows = await sql(
    prefectTables
      .map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM ${t}`)
      .join(' UNION ALL '),
  );
  return Object.fromEntries(rows.map((r) => [r.t, r.n])) as Record<PrefectTable, number>;
}

/** md5 of every table's rows (their text form, sorted): two databases with equal sums hold the same rows. */
export async function tableChecksums(sql: Sql): Promise<Record<PrefectTable, string>> {
  const rows = await sql(
    prefectTables
      .map(
        (t) =>
          `SELECT '${t}' AS t, md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '')) AS sum FROM ${t} r`,
      )
      .join(' UNION ALL '),
  );
  return Object.fromEntries(rows.map((r) => [r.t, r.sum])) as Record<PrefectTable, string>;
}

/**
 * Rows whose parent run is gone, per reference. The foreign keys make these 0 in a database that
 * kept them; a count above 0 means a delete went around them (or a restore dropped them).
 */
export async function orphanCounts(sql: Sql): Promise<Record<string, number>> {
  const checks: Record<string, string> = {
    'flow_run_state.flow_run_id':
      'flow_run_state c WHERE NOT EXISTS (SELECT 1 FROM flow_run p WHERE p.id = c.flow_run_id)',
    'task_run.flow_run_id':
      'task_run c WHERE NOT EXISTS (SELECT 1 FROM flow_run p WHERE p.id = c.flow_run_id)',
    'task_run_state.task_run_id':
      'task_run_state c WHERE NOT EXISTS (SELECT 1 FROM task_run p WHERE p.id = c.task_run_id)',
    'task_run_artifact.task_run_id':
      'task_run_artifact c WHERE NOT EXISTS (SELECT 1 FROM task_run p WHERE p.id = c.task_run_id)',
    'log.flow_run_id':
      'log c WHERE c.flow_run_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM flow_run p WHERE p.id = c.flow_run_id)',
    'log.task_run_id':
      'log c WHERE c.task_run_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM task_run p WHERE p.id = c.task_run_id)',
  };
  const rows = await sql(
    Object.entries(checks)
      .map(([name, from]) => `SELECT '${name}' AS ref, count(*)::int AS n FROM ${from}`)
      .join(' UNION ALL '),
  );
  return Object.fromEntries(rows.map((r) => [r.ref, r.n]));
}
