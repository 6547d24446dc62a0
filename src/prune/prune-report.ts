// What prune says, as pure functions of what it asked and what the script counted: the table of
// rows per table printed before anything is deleted (and again after, with what was deleted).
import { formatAge } from '../plan/duration.js';
import type { RetentionProgress, TableRows } from '../prefect/retention-sql.js';

export interface PruneAsk {
  olderThanSeconds: number;
  flowRuns: boolean;
  /** ISO 8601: the instant the age counts back from, shared by the count and the delete. */
  now: string;
}

/** The cutoff instant, "2026-11-01 12:00 UTC". */
export function cutoffOf(ask: PruneAsk): string {
  const cutoff = new Date(Date.parse(ask.now) - ask.olderThanSeconds * 1000);
  return `${cutoff.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** One sentence: what goes and what stays. */
export function describeAsk(ask: PruneAsk): string {
  const age = `older than ${formatAge(ask.olderThanSeconds)} (before ${cutoffOf(ask)})`;
  return ask.flowRuns
    ? `Logs and finished flow runs (with their task runs, states, logs and artifacts) ${age}.`
    : `Logs ${age}; flow runs are kept (add --flow-runs to delete finished ones too).`;
}

export function totalOf(rows: TableRows): number {
  return rows.reduce((sum, row) => sum + row.rows, 0);
}

/** The rows-per-table table, aligned, with a total line. */
export function tableLines(rows: TableRows, heading: string): string[] {
  const width = Math.max('total'.length, ...rows.map((row) => row.table.length));
  const count = (n: number) => n.toLocaleString('en-US');
  const numbers = Math.max(
    ...[...rows.map((r) => r.rows), totalOf(rows)].map((n) => count(n).length),
  );
  const line = (name: string, n: number) =>
    `  ${name.padEnd(width)}  ${count(n).padStart(numbers)}`;
  return [heading, ...rows.map((row) => line(row.table, row.rows)), line('total', totalOf(rows))];
}

/** The progress line of one table ("log: 5,000 of 12,000 rows deleted"). */
export function progressText(progress: RetentionProgress): string {
  return `${progress.table}: ${progress.done.toLocaleString('en-US')} of ${progress.planned.toLocaleString('en-US')} rows deleted`;
}
