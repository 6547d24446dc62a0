import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

/**
 * The one retention script (`chart/files/retention.sql`): the chart's retention CronJob mounts it
 * from a ConfigMap (`.Files.Get`), `prefect-server prune` streams the same file to psql, so the
 * two delete the same rows by the same rule. It ships in the package with the chart.
 */
export const retentionScriptPath = join(packageRoot, 'chart', 'files', 'retention.sql');

/** What one run of the script is asked to do. An absent age turns that part off. */
export interface RetentionRequest {
  /** Log rows older than this many seconds. */
  logsOlderThanSeconds?: number;
  /** Finished flow runs (and all that hangs off them) older than this many seconds. */
  flowRunsOlderThanSeconds?: number;
  /** The instant the ages count back from (ISO 8601): the dry run and the run share it. */
  now?: string;
  /** Rows per transaction. */
  batchSize?: number;
  dryRun: boolean;
}

export const defaultBatchSize = 5000;

/**
 * psql's arguments for one run with the script on stdin (`-f -`). The values travel as psql
 * variables (-v): none of them is a secret, and the script refuses a zero or negative age itself.
 */
export function retentionPsqlArgs(request: RetentionRequest): string[] {
  const age = (seconds: number | undefined) =>
    seconds === undefined ? '' : `${Math.round(seconds)} seconds`;
  return [
    '-X',
    '-v',
    `logs_older_than=${age(request.logsOlderThanSeconds)}`,
    '-v',
    `flow_runs_older_than=${age(request.flowRunsOlderThanSeconds)}`,
    '-v',
    `now=${request.now ?? ''}`,
    '-v',
    `batch_size=${request.batchSize ?? defaultBatchSize}`,
    '-v',
    `dry_run=${request.dryRun ? 'true' : 'false'}`,
    '-f',
    '-',
  ];
}

/** Rows per table, in the order the script deletes them. */
export type TableRows = Array<{ table: string; rows: number }>;

export interface RetentionOutput {
  planned: TableRows;
  /** Empty after a dry run. */
  deleted: TableRows;
}

/** Reads the script's stdout ("planned|log|123", "deleted|log|123"); other lines are ignored. */
export function parseRetentionOutput(stdout: string): RetentionOutput {
  const out: RetentionOutput = { planned: [], deleted: [] };
  for (const line of stdout.split('\n')) {
    const match = /^(planned|deleted)\|([A-Za-z0-9_]+)\|([0-9]+)$/.exec(line.trim());
    if (match)
      out[match[1] as 'planned' | 'deleted'].push({
        table: match[2] as string,
        rows: Number(match[3]),
      });
  }
  return out;
}

export interface RetentionProgress {
  table: string;
  done: number;
  planned: number;
}

/** Reads one progress line psql writes to stderr ("... NOTICE:  retention: log 5000/12000"). */
export function parseRetentionProgress(line: string): RetentionProgress | undefined {
  const match = /NOTICE:\s+retention: ([A-Za-z0-9_]+) ([0-9]+)\/([0-9]+)/.exec(line);
  if (!match) return undefined;
  return { table: match[1] as string, done: Number(match[2]), planned: Number(match[3]) };
}
