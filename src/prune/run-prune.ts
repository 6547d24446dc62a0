// prune, end to end: find the release -> count what the retention script would delete (its dry
// run) and print it per table -> nothing more with --dry-run -> a confirmation (or --yes) -> the
// same script deletes in batches, one transaction each, with progress -> what was deleted.
//
// The script is chart/files/retention.sql, the one the chart's retention CronJob runs; both
// passes get the same `now`, so the rows counted and the rows deleted are the same rows (minus
// any a concurrent run took). psql runs where the database is (release/database-access.ts).
import { readFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { InputError, UserError } from '../errors.js';
import { formatAge } from '../plan/duration.js';
import {
  parseRetentionOutput,
  parseRetentionProgress,
  type RetentionOutput,
  type RetentionProgress,
  retentionPsqlArgs,
  retentionScriptPath,
} from '../prefect/retention-sql.js';
import { commandLine, targetFlags } from '../release/release-flags.js';
import type { ReleaseLookup } from '../release/release-ref.js';
import type { HelmRelease } from '../tools/helm.js';
import { abortedBy, InterruptedError, withInterruptScope } from '../ui/interrupt.js';
import type { Output } from '../ui/output.js';
import {
  cutoffOf,
  describeAsk,
  type PruneAsk,
  progressText,
  tableLines,
  totalOf,
} from './prune-report.js';

export interface PruneOptions {
  lookup: ReleaseLookup;
  olderThanSeconds: number;
  /** The flag as typed (`30d`), for the command printed to go on. */
  olderThanText: string;
  flowRuns: boolean;
  dryRun: boolean;
  yes: boolean;
  batchSize?: number | undefined;
}

/** psql against the release's database: the script on stdin, its output streamed back. */
export interface PsqlAccess {
  /** Where the database is, for messages. */
  readonly description: string;
  psql(
    args: readonly string[],
    io: { stdin: Readable; stdout: Writable; stderr: Writable; signal?: AbortSignal },
  ): Promise<void>;
}

export interface PruneAdapters {
  findRelease(lookup: ReleaseLookup): Promise<HelmRelease>;
  /** Opens the release's database; `signal` is Ctrl-C (a client pod being started is deleted). */
  openDatabase(release: HelmRelease, signal: AbortSignal): Promise<PsqlAccess>;
  /** Asks a person; undefined when nobody can answer (no terminal). */
  confirm: ((message: string) => Promise<boolean>) | undefined;
  output: Output;
  now(): Date;
}

export async function runPrune(options: PruneOptions, adapters: PruneAdapters): Promise<void> {
  // Refused before anything is read: without a terminal and without --yes nobody can confirm.
  if (!options.dryRun && !options.yes && adapters.confirm === undefined) {
    throw new InputError(
      'prune deletes rows and nobody can confirm here (no terminal): pass --yes to delete, or --dry-run to only count.',
    );
  }
  const release = await adapters.findRelease(options.lookup);
  // Ctrl-C from here on stops psql (and lets the caller delete a client pod) before exiting.
  await withInterruptScope((signal) => pruneRelease(options, adapters, release, signal));
}

async function pruneRelease(
  options: PruneOptions,
  adapters: PruneAdapters,
  release: HelmRelease,
  signal: AbortSignal,
): Promise<void> {
  const { output } = adapters;
  const target = { namespace: release.namespace, release: release.name, ...cluster(options) };
  let phase: 'counting' | 'deleting' = 'counting';
  let again = '';
  const interrupted = () =>
    phase === 'counting'
      ? new InterruptedError(
          `Interrupted (${abortedBy(signal)}) before deleting: nothing was deleted.`,
        )
      : // kubectl is stopped; a psql the cluster keeps running ends at its next progress line
        // (its stderr is gone), and whatever it finished is committed batch by batch anyway.
        new InterruptedError(
          `Interrupted (${abortedBy(signal)}) while deleting: each batch is its own transaction, so the finished ones are deleted for good and none is half done. Running the same command again deletes what is left.`,
          `Go on with: ${again}`,
        );
  const database = await adapters.openDatabase(release, signal).catch((error: unknown) => {
    if (signal.aborted) throw interrupted();
    throw error;
  });
  const ask: PruneAsk = {
    olderThanSeconds: options.olderThanSeconds,
    flowRuns: options.flowRuns,
    now: adapters.now().toISOString(),
  };

  output.line(`Release ${release.name} in ${release.namespace}: ${database.description}.`);
  output.line(describeAsk(ask));
  const counted = await runScript(database, ask, options, true, signal);
  for (const line of tableLines(counted.planned, 'Rows that would be deleted:')) output.line(line);
  if (options.dryRun) {
    output.line('Dry run: nothing was deleted.');
    return;
  }
  const total = totalOf(counted.planned);
  if (total === 0) {
    output.line(`Nothing is older than ${formatAge(options.olderThanSeconds)}: nothing to delete.`);
    return;
  }
  if (!options.yes) {
    const confirm = adapters.confirm as (message: string) => Promise<boolean>;
    const yes = await confirm(
      `Delete these ${total.toLocaleString('en-US')} rows for good (from before ${cutoffOf(ask)})?`,
    );
    if (!yes) {
      output.line('Nothing was deleted.');
      return;
    }
  }

  again = commandLine([
    'prefect-server',
    'prune',
    ...targetFlags(target, { alwaysRelease: true }),
    '--older-than',
    options.olderThanText,
    ...(options.flowRuns ? ['--flow-runs'] : []),
    '--yes',
  ]);
  const spinner = await output.spinner('Deleting in batches');
  phase = 'deleting';
  let deleted: RetentionOutput;
  try {
    deleted = await runScript(database, ask, options, false, signal, (p) =>
      spinner.update(progressText(p)),
    );
  } catch (error) {
    spinner.fail('Deleting stopped');
    if (error instanceof InterruptedError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new UserError(
      `Deleting stopped: ${why}\nEach batch is its own transaction: the finished ones are deleted for good, none is half done.`,
      { hint: `Go on with: ${again}` },
    );
  }
  spinner.succeed('Deleted');
  for (const line of tableLines(deleted.deleted, 'Rows deleted:')) output.line(line);
  output.line(
    'PostgreSQL reuses the space of deleted rows; to give it back to the disk, run VACUUM FULL on the large tables in a quiet hour.',
  );

  async function runScript(
    db: PsqlAccess,
    what: PruneAsk,
    opts: PruneOptions,
    dryRun: boolean,
    signal?: AbortSignal,
    onProgress?: (progress: RetentionProgress) => void,
  ): Promise<RetentionOutput> {
    const args = retentionPsqlArgs({
      logsOlderThanSeconds: what.olderThanSeconds,
      ...(what.flowRuns && { flowRunsOlderThanSeconds: what.olderThanSeconds }),
      now: what.now,
      ...(opts.batchSize !== undefined && { batchSize: opts.batchSize }),
      dryRun,
    });
    const out = collect();
    const errors: string[] = [];
    const err = lines((line) => {
      const progress = parseRetentionProgress(line);
      if (progress) onProgress?.(progress);
      else if (line.trim() !== '') errors.push(line);
    });
    try {
      await db.psql(args, {
        stdin: Readable.from([readFileSync(retentionScriptPath, 'utf8')]),
        stdout: out.stream,
        stderr: err,
        ...(signal && { signal }),
      });
    } catch (error) {
      if (signal?.aborted) throw interrupted();
      const detail = errors.length > 0 ? errors.slice(-3).join('\n') : String(error);
      throw new UserError(`psql failed in ${db.description}:\n${detail}`);
    }
    const result = parseRetentionOutput(out.text());
    if (result.planned.length === 0) {
      throw new UserError(
        `The retention script printed no counts in ${db.description}${errors.length ? `:\n${errors.slice(-3).join('\n')}` : '.'}`,
      );
    }
    return result;
  }
}

function cluster(options: PruneOptions): { context?: string; kubeconfig?: string } {
  return {
    ...(options.lookup.context !== undefined && { context: options.lookup.context }),
    ...(options.lookup.kubeconfig !== undefined && { kubeconfig: options.lookup.kubeconfig }),
  };
}

/** A Writable that keeps what it is given (the script's stdout is a few lines). */
function collect(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    }),
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

/** A Writable that calls `each` with every complete line. */
function lines(each: (line: string) => void): Writable {
  let rest = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const part of parts) each(part);
      done();
    },
    final(done) {
      if (rest !== '') each(rest);
      done();
    },
  });
}

/** prune with the real adapters: helm finds the release, database-access runs psql. */
export async function prune(options: PruneOptions): Promise<void> {
  const [{ checkReleaseLookup }, { findRelease }, { openDatabaseSession }, tools, ui] =
    await Promise.all([
      import('../release/release-ref.js'),
      import('../release/find-release.js'),
      import('../release/database-access.js'),
      Promise.all([import('../tools/helm.js'), import('../tools/kubectl.js')]),
      Promise.all([
        import('../ui/can-prompt.js'),
        import('../ui/output-settings.js'),
        import('../wizard/prompter.js'),
      ]),
    ]);
  checkReleaseLookup(options.lookup);
  const [{ Helm }, { Kubectl }] = tools;
  const [{ canPrompt }, { loadOutput }, { Prompter }] = ui;
  const cluster = { kubeconfig: options.lookup.kubeconfig, context: options.lookup.context };
  const [helm, kubectl, output] = await Promise.all([
    Helm.create(cluster),
    Kubectl.create(cluster),
    loadOutput(),
  ]);
  let session: { close(): Promise<void> } | undefined;
  try {
    await runPrune(options, {
      findRelease: (lookup) => findRelease(helm, lookup),
      async openDatabase(release, signal) {
        // The release's values pick the client pod's image for an external database.
        const values = await helm.userValues(release.name, release.namespace).catch(() => ({}));
        const opened = await openDatabaseSession(release, kubectl, { values, signal });
        session = opened;
        return opened;
      },
      confirm: canPrompt({ yes: options.yes })
        ? (message) => new Prompter().confirm({ message, default: false })
        : undefined,
      output,
      now: () => new Date(),
    });
  } finally {
    await session?.close();
  }
}
