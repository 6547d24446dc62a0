// The test schema of Prefect Server (test/fixtures/prefect-schema.sql) loads into the real
// PostgreSQL, the seeding fills it as support/prefect-data.ts says, and the foreign keys behave as
// Prefect Server's migrations define them.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHasuraDatabase, startPostgres, type TestPostgres } from './support/postgres.js';
import {
  loadPrefectSchema,
  orphanCounts,
  prefectSchemaRevision,
  prefectTables,
  type Seeded,
  type Sql,
  seedPrefectData,
  tableChecksums,
  tableCounts,
} from './support/prefect-data.js';

let pg: TestPostgres;
let sql: Sql;
let seeded: Seeded;
const from = new Date('2026-01-01T00:00:00Z');
const to = new Date('2026-01-10T00:00:00Z');

beforeAll(async () => {
  pg = await startPostgres();
  await createHasuraDatabase(pg, {
    user: 'prefect',
    password: randomBytes(12).toString('hex'),
    database: 'prefect',
  });
  sql = (statement) => pg.sql(statement, 'prefect');
  await loadPrefectSchema(sql, { owner: 'prefect' });
  seeded = await seedPrefectData(sql, { flowRuns: 10, from, to, owner: 'prefect' });
});

afterAll(async () => {
  await pg?.stop();
});

describe('the Prefect Server test schema', () => {
  it('is owned by the database user, at the head revision', async () => {
    const owners = await sql(
      `SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    );
    expect(owners.map((r) => r.tablename)).toEqual([...prefectTables].sort());
    expect(new Set(owners.map((r) => r.tableowner))).toEqual(new Set(['prefect']));
    expect(await sql('SELECT version_num FROM alembic_version')).toEqual([
      { version_num: prefectSchemaRevision },
    ]);
  });

  it('is filled with runs, their states, task runs and logs, evenly over the range', () => {
    expect(seeded.counts).toEqual({
      tenant: 1,
      project: 1,
      flow_group: 1,
      flow: 1,
      task: 3,
      edge: 2,
      agent_config: 1,
      agent: 1,
      flow_run: 10,
      flow_run_state: 40,
      task_run: 30, // one per task, made by the insert trigger as in Prefect Server
      task_run_state: 90, // Pending from the trigger, Running, Success
      task_run_artifact: 10,
      log: 80, // 2 per task run + 2 per flow run
      alembic_version: 1,
    });
    expect(seeded.runTimes[0]).toEqual(from);
    expect(seeded.runTimes.at(-1)).toEqual(to);
    expect(seeded.runTimes[1]?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('keeps every row of a flow run within its own window, so any time column cuts the same', async () => {
    const cutoff = "'2026-01-05T12:00:00Z'";
    const older = await sql(`
      SELECT
        (SELECT count(*)::int FROM flow_run WHERE created < ${cutoff}) AS runs_created,
        (SELECT count(*)::int FROM flow_run WHERE end_time < ${cutoff}) AS runs_ended,
        (SELECT count(*)::int FROM log WHERE "timestamp" < ${cutoff}) AS logs,
        (SELECT count(*)::int FROM log WHERE updated < ${cutoff}) AS logs_updated,
        (SELECT count(*)::int FROM task_run_state WHERE created < ${cutoff}) AS task_states,
        (SELECT count(*)::int FROM flow_run_state WHERE "timestamp" < ${cutoff}) AS flow_states`);
    expect(older).toEqual([
      {
        runs_created: 5,
        runs_ended: 5,
        logs: 40,
        logs_updated: 40,
        task_states: 45,
        flow_states: 20,
      },
    ]);
  });

  it('refuses a log of a flow run that does not exist', async () => {
    await expect(
      sql(`INSERT INTO log (flow_run_id, message) VALUES (gen_random_uuid(), 'orphan')`),
    ).rejects.toThrow(/log_flow_run_id_fkey/);
  });

  it('checksums are stable and change with a row', async () => {
    const before = await tableChecksums(sql);
    expect(await tableChecksums(sql)).toEqual(before);
    await sql(`UPDATE log SET message = message || '!' WHERE ctid = (SELECT min(ctid) FROM log)`);
    const after = await tableChecksums(sql);
    expect(after.log).not.toBe(before.log);
    expect({ ...after, log: before.log }).toEqual(before);
  });

  it('deleting a flow run deletes its states, task runs, their states, artifacts and logs (ON DELETE CASCADE)', async () => {
    await sql(`DELETE FROM flow_run WHERE start_time = '${from.toISOString()}'`);
    const counts = await tableCounts(sql);
    expect(counts).toMatchObject({
      flow_run: 9,
      flow_run_state: 36,
      task_run: 27,
      task_run_state: 81,
      task_run_artifact: 9,
      log: 72,
      flow: 1,
      task: 3,
    });
    expect(Object.values(await orphanCounts(sql)).every((n) => n === 0)).toBe(true);
  });

  it('deleting the agent keeps its flow runs (agent_id ON DELETE SET NULL)', async () => {
    await sql('DELETE FROM agent');
    expect(
      await sql('SELECT count(*)::int AS n, count(agent_id)::int AS with_agent FROM flow_run'),
    ).toEqual([{ n: 9, with_agent: 0 }]);
  });

  it('deleting the flow deletes its tasks, edges and every run (ON DELETE CASCADE)', async () => {
    await sql('DELETE FROM flow');
    const counts = await tableCounts(sql);
    for (const table of [
      'task',
      'edge',
      'flow_run',
      'flow_run_state',
      'task_run',
      'task_run_state',
      'task_run_artifact',
      'log',
    ] as const) {
      expect(counts[table], table).toBe(0);
    }
    expect(counts.flow_group).toBe(1);
  });
});
