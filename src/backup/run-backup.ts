// backup: pg_dump (custom format) of the release's database, streamed to a local file created
// 0600 (or to stdout), counted and hashed on the way, with a manifest whose row counts come from
// the dump's own snapshot, and a record of it for status. Nothing in the cluster changes: the
// database pod (or a short-lived client pod, for an external database) runs the PostgreSQL
// client; the password stays in the pod's environment.
import { constants, createWriteStream, type Stats, statSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExitCode, InputError, UserError } from '../errors.js';
import {
  type BackupManifest,
  databaseFactsSql,
  defaultBackupName,
  dumpNameOf,
  formatBytes,
  manifestFormat,
  manifestPathFor,
  manifestText,
  parseDatabaseFacts,
} from '../release/backup-manifest.js';
import { recordBackup } from '../release/backup-records.js';
import type { DatabaseSession } from '../release/database-access.js';
import { findRelease } from '../release/find-release.js';
import { targetLine } from '../release/release-flags.js';
import { checkReleaseLookup } from '../release/release-ref.js';
import { Helm, type HelmRelease } from '../tools/helm.js';
import { InterruptedError, withInterruptScope } from '../ui/interrupt.js';
import { createOutput, type Output } from '../ui/output.js';
import { DigestingCounter } from './dump-stream.js';
import {
  LineCollector,
  sessionInput,
  snapshotIdPattern,
  snapshotPsqlArgs,
  snapshotSql,
} from './pg-snapshot.js';

export interface BackupFlags {
  context?: string;
  kubeconfig?: string;
  namespace?: string;
  release?: string;
  output?: string;
  manifest?: string;
}

/** The release's database (release/database-access.ts); tests of the flow may pass their own. */
export type OpenDatabase = (
  release: HelmRelease,
  flags: BackupFlags,
  signal: AbortSignal,
) => Promise<DatabaseSession>;

/** The chart version of a helm release's `chart` (prefect-server-2022.09.23 -> 2022.09.23). */
export function chartVersionOf(release: HelmRelease): string {
  return release.chart.replace(/^prefect-server-/, '');
}

const exists = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

/** A file the backup will create: its directory must exist, and it must not (never overwritten). */
function checkNewFile(path: string, flag: string): void {
  const directory = exists(dirname(path));
  if (!directory?.isDirectory()) {
    throw new InputError(
      `${flag} ${path}: the directory ${dirname(path)} does not exist.`,
      'Create it first, or give a file in a directory that exists.',
    );
  }
  if (exists(path)) {
    throw new InputError(
      `${flag} ${path}: the file exists; backup never overwrites one.`,
      'Give a new file name, or remove the old file first.',
    );
  }
}

/** The files the backup writes, decided and checked before anything runs. */
export function backupTargets(
  flags: Pick<BackupFlags, 'output' | 'manifest'>,
  release: string | undefined,
  at: Date,
  cwd: string = process.cwd(),
): { dump: string; manifest: string | undefined } {
  const dump =
    flags.output === '-'
      ? '-'
      : resolve(cwd, flags.output ?? defaultBackupName(release ?? 'prefect-server', at));
  const manifest =
    flags.manifest !== undefined
      ? resolve(cwd, flags.manifest)
      : dump === '-'
        ? undefined
        : manifestPathFor(dump);
  if (dump !== '-') checkNewFile(dump, '--output');
  if (manifest !== undefined) checkNewFile(manifest, '--manifest');
  if (manifest !== undefined && manifest === dump)
    throw new InputError('--manifest must name another file than --output.');
  return { dump, manifest };
}

/** kubectl exec into the bundled database's pod, or a client pod for an external one. */
const openReleaseDatabase: OpenDatabase = async (release, flags, signal) => {
  const [{ openDumpSession }, { Kubectl }] = await Promise.all([
    import('../release/database-access.js'),
    import('../tools/kubectl.js'),
  ]);
  const kubectl = await Kubectl.create({ kubeconfig: flags.kubeconfig, context: flags.context });
  return openDumpSession({ name: release.name, namespace: release.namespace }, kubectl, {
    signal,
  });
};

export async function runBackup(
  flags: BackupFlags,
  openDatabase?: OpenDatabase,
  out: Output = createOutput({}, process.stderr),
): Promise<void> {
  checkReleaseLookup(flags);
  const started = new Date();
  // The default name needs the release, which the lookup may find; the checks of a named file
  // come first so a bad --output is refused before the cluster is asked anything.
  if (flags.output !== undefined || flags.manifest !== undefined)
    backupTargets(flags, flags.release, started);
  const helm = await Helm.create({ kubeconfig: flags.kubeconfig, context: flags.context });
  const release = await findRelease(helm, { release: flags.release, namespace: flags.namespace });
  const targets = backupTargets(flags, release.name, started);
  const progress = out.interactive
    ? await out.spinner(`Dumping ${release.name}'s database`)
    : undefined;
  const counter = new DigestingCounter((bytes) =>
    progress?.update(`Dumping ${release.name}'s database: ${formatBytes(bytes)}`),
  );

  // The file is made only once the database answers, so a refusal leaves no file behind.
  let created = false;
  const removePartial = () => {
    if (created) {
      try {
        unlinkSync(targets.dump);
      } catch {}
    }
  };

  let facts: ReturnType<typeof parseDatabaseFacts>;
  let scope: AbortSignal | undefined;
  let database: DatabaseSession | undefined;
  try {
    facts = await withInterruptScope(async (signal) => {
      scope = signal;
      database = await (openDatabase ?? openReleaseDatabase)(release, flags, signal);
      progress?.update(`Dumping ${release.name}'s database (${database.description})`);
      const handle =
        targets.dump === '-'
          ? undefined
          : await open(
              targets.dump,
              constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
              0o600,
            );
      created = handle !== undefined;
      const sink: Writable =
        handle === undefined
          ? process.stdout
          : createWriteStream('', { fd: handle.fd, autoClose: true });
      const session = sessionInput();
      const answers = new LineCollector();
      const psql = database.run('psql', snapshotPsqlArgs, {
        stdin: session,
        stdout: answers,
        signal,
      });
      session.write(snapshotSql.begin);
      // psql ending (or failing) before it answers ends the wait; later, `await psql` below
      // is what reports it, so the guard's own outcome is dropped once the snapshot is known.
      let exported = false;
      const guard = psql.then(() => {
        if (!exported) throw new UserError('psql ended before it exported a snapshot.');
      });
      guard.catch(() => {});
      const snapshot = await Promise.race([
        answers.lineMatching(snapshotIdPattern).then((line) => {
          exported = true;
          return line;
        }),
        guard.then(() => ''),
      ]);
      try {
        const dump = database.run('pg_dump', ['--format=custom', `--snapshot=${snapshot}`], {
          stdout: counter,
          signal,
        });
        // The counts read the same snapshot, so they run while pg_dump streams (a second core).
        session.write(databaseFactsSql('exact'));
        await Promise.all([dump, pipeline(counter, sink, { end: handle !== undefined })]);
        session.end(snapshotSql.end);
      } finally {
        // A failed dump must not leave psql waiting for more SQL (it would keep the process,
        // and its transaction, open): the end of its input ends it, and rolls the snapshot back.
        if (!session.writableEnded) session.end();
      }
      await psql;
      return parseDatabaseFacts(answers.text);
    });
  } catch (error) {
    progress?.stop();
    removePartial();
    // Bad input (a release without a database) is refused as such: nothing was written.
    if (error instanceof UserError && error.exitCode === ExitCode.badInput && !created) throw error;
    const where =
      targets.dump === '-'
        ? 'stdout got a partial dump'
        : created
          ? `the partial file ${targets.dump} was removed`
          : 'no file was written';
    if (
      scope?.aborted ||
      error instanceof InterruptedError ||
      (error instanceof UserError && error.exitCode === ExitCode.interrupted)
    ) {
      throw new InterruptedError(
        `Backup interrupted: ${where}; nothing in the cluster was changed.`,
        `Run it again: prefect-server backup ${targetLine({ namespace: release.namespace, release: release.name }, { alwaysRelease: true })}`,
      );
    }
    if (error instanceof UserError) {
      throw new UserError(
        `Backup failed: ${error.message} (${where}; nothing in the cluster was changed).`,
        {
          ...(error.hint !== undefined && { hint: error.hint }),
          cause: error,
        },
      );
    }
    throw error;
  } finally {
    await database?.close();
  }

  const manifest: BackupManifest = {
    format: manifestFormat,
    version: 1,
    release: release.name,
    namespace: release.namespace,
    chartVersion: chartVersionOf(release),
    appVersion: release.app_version,
    postgresVersion: facts.postgresVersion,
    schemaRevision: facts.schemaRevision,
    tables: facts.tables,
    sha256: counter.sha256(),
    size: counter.bytes,
    created: started.toISOString(),
    dump: dumpNameOf(targets.dump),
  };
  if (targets.manifest !== undefined) {
    const file = await open(
      targets.manifest,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
      0o600,
    );
    try {
      await file.writeFile(manifestText(manifest));
    } finally {
      await file.close();
    }
  }
  recordBackup({
    context: flags.context,
    namespace: release.namespace,
    release: release.name,
    file: targets.dump,
    manifest: targets.manifest,
    size: manifest.size,
    sha256: manifest.sha256,
    created: manifest.created,
  });
  const summary = `Backed up ${release.name} (${release.namespace}): ${formatBytes(manifest.size)}, ${Object.keys(manifest.tables).length} tables, sha256 ${manifest.sha256}`;
  if (progress) progress.succeed(summary);
  else out.line(summary);
  if (targets.dump !== '-') out.line(`  dump:     ${targets.dump}`);
  out.line(`  manifest: ${targets.manifest ?? '(none: --output - without --manifest)'}`);
}
