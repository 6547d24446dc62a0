// prune's pure parts: the age flag, the retention script's arguments and output, the report, the
// doctor verdicts on the database's volume and log table, and the flow's order of decisions
// (with its adapters passed in: what it asks, in which order, and what it refuses before asking).
import type { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatBytes, judgeDatabaseVolume, judgeLogTable } from '../../src/checks/database-data.js';
import { InputError } from '../../src/errors.js';
import { formatAge, parseAge } from '../../src/plan/duration.js';
import {
  parseRetentionOutput,
  parseRetentionProgress,
  retentionPsqlArgs,
} from '../../src/prefect/retention-sql.js';
import { describeAsk, tableLines } from '../../src/prune/prune-report.js';
import { type PsqlAccess, runPrune } from '../../src/prune/run-prune.js';
import type { HelmRelease } from '../../src/tools/helm.js';
import type { Workload } from '../../src/tools/kube-objects.js';
import type { Output } from '../../src/ui/output.js';

describe('--older-than', () => {
  const age = parseAge('--older-than');
  it('takes days, hours, minutes and seconds, and combinations', () => {
    expect(age('30d')).toBe(30 * 86_400);
    expect(age('12h')).toBe(43_200);
    expect(age('1d12h')).toBe(129_600);
    expect(age(' 90m ')).toBe(5_400);
    expect(formatAge(30 * 86_400)).toBe('30 days');
    expect(formatAge(129_600)).toBe('1 day 12 h');
  });
  it.each(['0d', '0h0m', '-5d', '30', 'thirty days', '', '5y', '1.5d'])(
    'refuses %j with the rule (exit 2)',
    (value) => {
      let thrown: unknown;
      try {
        age(value);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InputError);
      expect((thrown as InputError).exitCode).toBe(2);
      expect((thrown as Error).message).toMatch(
        /--older-than must be (an age such as 30d, 12h or 1d12h|longer than zero)/,
      );
    },
  );
});

describe('the retention script, as prune runs it', () => {
  it('passes the ages in seconds, the shared instant and the mode as psql variables, the script on stdin', () => {
    expect(
      retentionPsqlArgs({
        logsOlderThanSeconds: 86_400,
        now: '2026-12-01T00:00:00.000Z',
        dryRun: true,
      }),
    ).toEqual([
      '-X',
      '-v',
      'logs_older_than=86400 seconds',
      '-v',
      'flow_runs_older_than=',
      '-v',
      'now=2026-12-01T00:00:00.000Z',
      '-v',
      'batch_size=5000',
      '-v',
      'dry_run=true',
      '-f',
      '-',
    ]);
  });
  it('reads the counts and the progress lines, and nothing else', () => {
    expect(
      parseRetentionOutput('planned|log|12\nplanned|flow_run|3\nnoise\ndeleted|log|12\n'),
    ).toEqual({
      planned: [
        { table: 'log', rows: 12 },
        { table: 'flow_run', rows: 3 },
      ],
      deleted: [{ table: 'log', rows: 12 }],
    });
    expect(
      parseRetentionProgress('psql:<stdin>:160: NOTICE:  retention: task_run 5000/12000'),
    ).toEqual({ table: 'task_run', done: 5000, planned: 12000 });
    expect(parseRetentionProgress('ERROR:  relation "log" does not exist')).toBeUndefined();
  });
  it('prints rows per table with a total, and says what stays', () => {
    expect(
      tableLines(
        [
          { table: 'log', rows: 12_000 },
          { table: 'flow_run', rows: 3 },
        ],
        'Rows that would be deleted:',
      ),
    ).toEqual([
      'Rows that would be deleted:',
      '  log       12,000',
      '  flow_run       3',
      '  total     12,003',
    ]);
    const ask = { olderThanSeconds: 30 * 86_400, flowRuns: false, now: '2026-12-01T12:00:00Z' };
    expect(describeAsk(ask)).toBe(
      'Logs older than 30 days (before 2026-11-01 12:00 UTC); flow runs are kept (add --flow-runs to delete finished ones too).',
    );
  });
});

describe('doctor: the database volume and the log table', () => {
  const where = { namespace: 'ns', target: '-n ns' };
  const statefulSet = (spec: Partial<Workload['spec']>, volumes?: object[]): Workload =>
    ({
      kind: 'StatefulSet',
      metadata: { name: 'r-postgresql' },
      spec: { template: { spec: { containers: [], ...(volumes && { volumes }) } }, ...spec },
    }) as Workload;

  it('warns with the fix when the data is in an emptyDir', () => {
    const result = judgeDatabaseVolume(statefulSet({}, [{ name: 'data', emptyDir: {} }]), where);
    expect(result.status).toBe('warn');
    expect(result.message).toContain('data is lost when the pod goes');
    expect(result.hint).toContain('prefect-server backup -n ns');
    expect(result.hint).toContain('--db-persistence');
  });
  it('passes with a claim template or an existing claim, and for an external database', () => {
    const templated = statefulSet({
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { resources: { requests: { storage: '8Gi' } } } },
      ],
    });
    expect(judgeDatabaseVolume(templated, where)).toMatchObject({ status: 'pass' });
    expect(
      judgeDatabaseVolume(
        statefulSet({}, [{ name: 'data', persistentVolumeClaim: { claimName: 'mine' } }]),
        where,
      ),
    ).toMatchObject({ status: 'pass', message: expect.stringContaining('claim mine') });
    expect(judgeDatabaseVolume(undefined, where).status).toBe('pass');
  });
  it('warns about a log table from the threshold on, with prune as the fix', () => {
    const big = judgeLogTable(
      { bytes: 3 * 1024 ** 3, rows: 9_000_000, rowsExact: false },
      1024 ** 3,
      '-n ns',
    );
    expect(big.status).toBe('warn');
    expect(big.message).toBe(
      "the log table holds 3 GiB, about 9,000,000 rows, over 1 GiB: it slows Prefect's log queries and backups",
    );
    expect(big.hint).toContain('prefect-server prune -n ns --older-than 30d --dry-run');
    expect(judgeLogTable({ bytes: 1024, rows: 3, rowsExact: true }, 1024 ** 3, '-n ns')).toEqual({
      status: 'pass',
      message: 'the log table holds 1 KiB, 3 rows (warning from 1 GiB)',
    });
    expect(judgeLogTable(undefined, 1, '-n ns').status).toBe('pass');
    expect(formatBytes(1536 * 1024)).toBe('1.5 MiB');
  });
});

describe('the prune flow', () => {
  const release = { name: 'prefect-server', namespace: 'ns', chart: 'prefect-server-0.1.0' };
  function setup(confirm?: (message: string) => Promise<boolean>) {
    const runs: string[][] = [];
    const lines: string[] = [];
    const access: PsqlAccess = {
      description: 'the bundled database (pod prefect-server-postgresql-0)',
      async psql(args, io) {
        runs.push([...args]);
        const dry = args.includes('dry_run=true');
        const write = (stream: Writable, text: string) =>
          new Promise<void>((done) => stream.end(text, done));
        await write(io.stdout, dry ? 'planned|log|7\n' : 'planned|log|7\ndeleted|log|7\n');
        await write(io.stderr, dry ? '' : 'NOTICE:  retention: log 7/7\n');
      },
    };
    const output: Output = {
      interactive: false,
      line: (text = '') => lines.push(text),
      heading: (text) => lines.push(text),
      warn: (text) => lines.push(`! ${text}`),
      spinner: async (text) => {
        lines.push(`- ${text}`);
        return {
          update: (t) => lines.push(`- ${t}`),
          succeed: (t) => lines.push(`✓ ${t}`),
          fail: (t) => lines.push(`✗ ${t}`),
          stop() {},
        };
      },
    };
    return {
      runs,
      lines,
      adapters: {
        findRelease: async () => release as HelmRelease,
        openDatabase: async () => access,
        confirm,
        output,
        now: () => new Date('2026-12-01T12:00:00Z'),
      },
    };
  }
  const options = {
    lookup: { namespace: 'ns' },
    olderThanSeconds: 30 * 86_400,
    olderThanText: '30d',
    flowRuns: false,
    dryRun: false,
    yes: false,
  };

  it('without a terminal and without --yes refuses (exit 2) before reading anything', async () => {
    const { runs, adapters } = setup(undefined);
    await expect(runPrune(options, adapters)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('pass --yes'),
    });
    expect(runs).toEqual([]);
  });
  it('--dry-run counts and deletes nothing', async () => {
    const { runs, lines, adapters } = setup(undefined);
    await runPrune({ ...options, dryRun: true }, adapters);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toContain('dry_run=true');
    expect(lines).toContain('Dry run: nothing was deleted.');
  });
  it('asks after printing the counts; no means no delete pass', async () => {
    const asked: string[] = [];
    const { runs, lines, adapters } = setup(async (message) => {
      asked.push(message);
      return false;
    });
    await runPrune(options, adapters);
    expect(asked).toEqual(['Delete these 7 rows for good (from before 2026-11-01 12:00 UTC)?']);
    expect(lines).toContain('  log    7');
    expect(lines.indexOf('  log    7')).toBeLessThan(lines.indexOf('Nothing was deleted.'));
    expect(runs).toHaveLength(1);
  });
  it('with --yes deletes with the same instant as the count, and shows progress', async () => {
    const { runs, lines, adapters } = setup(undefined);
    await runPrune({ ...options, yes: true, flowRuns: true }, adapters);
    expect(runs).toHaveLength(2);
    const instant = (args: string[]) => args.find((a) => a.startsWith('now='));
    expect(instant(runs[0] as string[])).toBe('now=2026-12-01T12:00:00.000Z');
    expect(instant(runs[1] as string[])).toBe(instant(runs[0] as string[]));
    expect(runs[1]).toContain('flow_runs_older_than=2592000 seconds');
    expect(runs[1]).toContain('dry_run=false');
    expect(lines).toContain('- log: 7 of 7 rows deleted');
    expect(lines).toContain('Rows deleted:');
  });
});

describe('--log-retention-days', () => {
  it('renders the CronJob for our chart, turns it off with 0, and is refused above 0 for a released chart', async () => {
    const { buildPlan } = await import('../../src/plan/install-plan.js');
    const { renderValues } = await import('../../src/values/render-values.js');
    const { answersFromValues } = await import('../../src/values/answers-from-values.js');
    const on = renderValues(buildPlan({ logRetentionDays: '14' }));
    expect(on.retention).toEqual({
      enabled: true,
      logsOlderThanDays: 14,
      flowRunsOlderThanDays: 0,
    });
    expect(answersFromValues(on, 'prefect-server')).toMatchObject({
      logRetentionDays: '14',
      flowRunRetentionDays: '0',
    });
    // Flow runs only: the upgrade reads both back, so changing one keeps the other.
    const runs = renderValues(buildPlan({ flowRunRetentionDays: '90' }));
    expect(runs.retention).toEqual({
      enabled: true,
      logsOlderThanDays: 0,
      flowRunsOlderThanDays: 90,
    });
    expect(answersFromValues(runs, 'prefect-server')).toMatchObject({
      logRetentionDays: '0',
      flowRunRetentionDays: '90',
    });
    expect(() =>
      buildPlan({ chartSource: 'repo', chartVersion: '2022.09.23', flowRunRetentionDays: '9' }),
    ).toThrow(/--flow-run-retention-days needs the chart shipped with this CLI/);
    expect(renderValues(buildPlan({ logRetentionDays: '0' })).retention).toEqual({
      enabled: false,
    });
    // Never asked: the chart's default (off) stands, nothing written.
    expect(renderValues(buildPlan({})).retention).toBeUndefined();
    const released = { chartSource: 'repo', chartVersion: '2022.09.23' } as const;
    expect(() => buildPlan({ ...released, logRetentionDays: '30' })).toThrow(
      /--log-retention-days needs the chart shipped with this CLI: the released charts have no retention CronJob/,
    );
    expect(
      renderValues(buildPlan({ ...released, logRetentionDays: '0' })).retention,
    ).toBeUndefined();
    expect(() => buildPlan({ logRetentionDays: '3651' })).toThrow(
      /--log-retention-days: Retention/,
    );
  });
});

describe('status: the database size and the last backup', () => {
  it('prints the size or why it was not read, and the last backup or how to take one', async () => {
    const { describeDatabaseData } = await import('../../src/status/database-data.js');
    expect(
      describeDatabaseData(
        {
          size: { bytes: 5 * 1024 ** 3 },
          lastBackup: { file: '/b/p.dump', created: '2026-12-01T10:00:00.000Z', size: 2048 },
        },
        '-n ns',
      ),
    ).toEqual([
      'db size   5 GiB',
      'backup    last from this machine 2026-12-01T10:00:00.000Z: /b/p.dump (2 KiB)',
    ]);
    expect(
      describeDatabaseData(
        { size: { bytes: null, why: 'not read: the external database ...' }, lastBackup: null },
        '-n ns',
      ),
    ).toEqual([
      'db size   not read: the external database ...',
      'backup    none known to this machine (take one: prefect-server backup -n ns)',
    ]);
  });
});
