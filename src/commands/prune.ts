import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { parseAge } from '../plan/duration.js';
import { releaseRuleHelp } from '../release/release-ref.js';
import { addClusterOptions } from './plan-options.js';

interface PruneFlags {
  olderThan?: string;
  flowRuns?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  batchSize?: number;
  context?: string;
  kubeconfig?: string;
  namespace?: string;
  release?: string;
}

function parseBatchSize(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > 1_000_000) {
    throw new InputError(
      `--batch-size must be a whole number of rows from 1 to 1000000, got "${value}".`,
    );
  }
  return Number(value);
}

export function definePrune(program: Command): void {
  const command = program
    .command('prune')
    .description(
      'delete old logs (and, with --flow-runs, old finished flow runs) from the database, in batches; prints what it would delete first',
    )
    .option(
      '--older-than <age>',
      'delete what is older than this age: 30d, 12h, 1d12h (d, h, m, s; required)',
    )
    .option(
      '--flow-runs',
      'also delete finished flow runs (Success, Failed, Cached, TimedOut, Looped, Cancelled) older than the age, with their task runs, states, logs and artifacts',
    )
    .option('--dry-run', 'only print what would be deleted, rows per table')
    .option('-y, --yes', 'do not ask before deleting')
    .option('--batch-size <rows>', 'rows deleted per transaction (default 5000)', parseBatchSize);
  addClusterOptions(command);
  command
    .addHelpText(
      'after',
      `
The same script runs in the chart's retention CronJob (install --log-retention-days). Each batch
is its own transaction: an interrupted prune keeps what it deleted and is continued by running it
again. Without a terminal, deleting needs --yes (exit 2 otherwise).

${releaseRuleHelp}

Examples:
  $ prefect-server prune -n prefect --older-than 30d --dry-run
  $ prefect-server prune -n prefect --older-than 90d --flow-runs
  $ prefect-server prune -n prefect --older-than 14d --yes`,
    )
    .action(async (flags: PruneFlags) => {
      if (flags.olderThan === undefined) {
        throw new InputError('--older-than is required: the age to delete from, e.g. 30d.');
      }
      const olderThanSeconds = parseAge('--older-than')(flags.olderThan);
      const { prune } = await import('../prune/run-prune.js');
      await prune({
        lookup: {
          namespace: flags.namespace,
          release: flags.release,
          context: flags.context,
          kubeconfig: flags.kubeconfig,
        },
        olderThanSeconds,
        olderThanText: flags.olderThan.trim(),
        flowRuns: flags.flowRuns ?? false,
        dryRun: flags.dryRun ?? false,
        yes: flags.yes ?? false,
        batchSize: flags.batchSize,
      });
    });
}
