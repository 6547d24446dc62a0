// restore: check the file against its manifest, stop the writers (remembering their counts on
// their Deployments), drop what the database holds, pg_restore the streamed file in one
// transaction, count the rows against the manifest, give the writers back their counts (graphql's
// init container migrates an older schema as it starts). Every refusal comes before the first
// change; an interruption or failure after it says what state it left and prints --resume.
import { createHash } from 'node:crypto';
import { createReadStream, type Stats, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ExitCode, InputError, UserError } from '../errors.js';
import {
  type BackupManifest,
  countDifferences,
  customDumpMagic,
  type DatabaseFacts,
  databaseFactsSql,
  formatBytes,
  isCustomDump,
  manifestPathFor,
  parseDatabaseFacts,
} from '../release/backup-manifest.js';
import type { DatabaseSession } from '../release/database-access.js';
import { findRelease } from '../release/find-release.js';
import { instanceSelector } from '../release/labels.js';
import { checkReleaseLookup } from '../release/release-ref.js';
import { Helm, type HelmRelease } from '../tools/helm.js';
import { kubeApiFor, selectorQuery } from '../tools/kube-api.js';
import type { KubeList, Workload } from '../tools/kube-objects.js';
import { Kubectl } from '../tools/kubectl.js';
import { canPrompt } from '../ui/can-prompt.js';
import { InterruptedError, setInterruptNotice, withInterruptScope } from '../ui/interrupt.js';
import { createOutput, type Output } from '../ui/output.js';
import { planRestore, resumeCommand, runsMigrations } from './restore-plan.js';
import { countAfter, startPatch, stopPatch, type Writer, writersOf } from './writers.js';

export interface RestoreFlags {
  context?: string;
  kubeconfig?: string;
  namespace?: string;
  release?: string;
  manifest?: string;
  force?: boolean;
  resume?: boolean;
  yes?: boolean;
}

/** The release's database (release/database-access.ts); tests of the flow may pass their own. */
export type OpenDatabase = (release: HelmRelease, flags: RestoreFlags) => Promise<DatabaseSession>;

const statOf = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

/**
 * The dump and its manifest, checked: every problem is bad input, found before any change. The
 * SHA-256 is `checksum`, which rejects on a mismatch.
 */
export async function readBackupFile(
  file: string,
  manifestFlag: string | undefined,
): Promise<{
  dump: string;
  manifestFile: string;
  manifest: BackupManifest;
  checksum: Promise<void>;
}> {
  const dump = resolve(file);
  const stat = statOf(dump);
  if (!stat?.isFile()) {
    throw new InputError(
      `${file}: no such file${stat ? ' (it is not a regular file)' : ''}.`,
      'Give the dump that prefect-server backup wrote.',
    );
  }
  const head = Buffer.alloc(customDumpMagic.length);
  const handle = await open(dump, 'r');
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  if (!isCustomDump(head)) {
    throw new InputError(
      `${file} is not a dump: a pg_dump custom-format archive starts with "PGDMP".`,
      'Give the file prefect-server backup (or pg_dump --format=custom) wrote.',
    );
  }
  const manifestFile = resolve(manifestFlag ?? manifestPathFor(dump));
  const manifestStat = statOf(manifestFile);
  if (!manifestStat?.isFile()) {
    throw new InputError(
      `The backup's manifest ${manifestFile} does not exist: restore checks the dump against it before anything changes.`,
      'Give it with --manifest FILE (backup wrote it beside the dump, or where its --manifest said).',
    );
  }
  const { parseManifest } = await import('../release/backup-manifest.js');
  const { readFile } = await import('node:fs/promises');
  const manifest = parseManifest(await readFile(manifestFile, 'utf8'), manifestFile);
  if (stat.size !== manifest.size) {
    throw new InputError(
      `${file} does not match its manifest: it has ${stat.size} bytes, the manifest says ${manifest.size} (a truncated or another file).`,
    );
  }
  // The checksum reads the whole file (gigabytes): it runs while the cluster is asked, and is
  // awaited before anything changes.
  const checksum = (async () => {
    const hash = createHash('sha256');
    await pipeline(createReadStream(dump), hash);
    const sha256 = hash.digest('hex');
    if (sha256 !== manifest.sha256) {
      throw new InputError(
        `${file} does not match its manifest: its SHA-256 is ${sha256}, the manifest says ${manifest.sha256} (the file changed after the backup).`,
      );
    }
  })();
  checksum.catch(() => {});
  return { dump, manifestFile, manifest, checksum };
}

/** readBackupFile with its checksum checked too. */
export async function checkBackupFile(
  file: string,
  manifestFlag: string | undefined,
): Promise<{ dump: string; manifestFile: string; manifest: BackupManifest }> {
  const backup = await readBackupFile(file, manifestFlag);
  await backup.checksum;
  return backup;
}

/** Drops every schema but PostgreSQL's own, then gives back an empty public (owned by us). */
export const cleanSql = `SET client_min_messages = warning;
DO $clean$
DECLARE s record;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
    WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
  LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s.nspname);
  END LOOP;
END
$clean$;
CREATE SCHEMA public;
`;

const psqlArgs = ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1'];

async function databaseFacts(
  database: DatabaseSession,
  count: 'exact' | 'any',
  signal?: AbortSignal,
): Promise<DatabaseFacts> {
  const { PassThrough, Writable: WritableClass } = await import('node:stream');
  const stdin = new PassThrough();
  let text = '';
  const stdout = new WritableClass({
    write(chunk: Buffer, _e, callback) {
      text += chunk.toString('utf8');
      callback();
    },
  });
  stdin.end(databaseFactsSql(count));
  await database.run('psql', psqlArgs, { stdin, stdout, ...(signal && { signal }) });
  return parseDatabaseFacts(text);
}

async function sqlOn(database: DatabaseSession, sql: string, signal: AbortSignal): Promise<void> {
  const { PassThrough } = await import('node:stream');
  const stdin = new PassThrough();
  stdin.end(sql);
  await database.run('psql', psqlArgs, { stdin, signal });
}

/** kubectl exec into the bundled database's pod, or a client pod for an external one. */
const openReleaseDatabase: OpenDatabase = async (release, flags) => {
  const { openDumpSession } = await import('../release/database-access.js');
  const kubectl = await Kubectl.create({ kubeconfig: flags.kubeconfig, context: flags.context });
  return openDumpSession({ name: release.name, namespace: release.namespace }, kubectl);
};

async function confirm(release: string, namespace: string): Promise<void> {
  const { Prompter } = await import('../wizard/prompter.js');
  const typed = await new Prompter().input({
    message: `This replaces the database of ${release} in ${namespace}. Type the release name (${release}) to go on:`,
  });
  if (typed !== release) {
    throw new UserError('The name did not match; nothing was changed.', {
      exitCode: ExitCode.badInput,
    });
  }
}

export async function runRestore(
  file: string,
  flags: RestoreFlags,
  openDatabase?: OpenDatabase,
  out: Output = createOutput(),
): Promise<void> {
  checkReleaseLookup(flags);
  const backup = await readBackupFile(file, flags.manifest);
  if (!flags.yes && !canPrompt({ yes: false })) {
    throw new InputError(
      'restore replaces a database; without a terminal to confirm in, pass --yes.',
    );
  }
  const target = { kubeconfig: flags.kubeconfig, context: flags.context };
  const [helm, kubectl] = await Promise.all([Helm.create(target), Kubectl.create(target)]);
  const release = await findRelease(helm, { release: flags.release, namespace: flags.namespace });
  const api = kubeApiFor(kubectl);
  const path = `/apis/apps/v1/namespaces/${release.namespace}/deployments`;
  const deployments = async () =>
    (await api.get<KubeList<Workload>>(`${path}${selectorQuery(instanceSelector(release.name))}`))
      ?.items ?? [];
  const before = await deployments();
  const writers = writersOf(before, release.name);
  const graphql = before.find((d) =>
    writers.some((w) => w.name === d.metadata.name && w.component === 'graphql'),
  );
  const database = await (openDatabase ?? openReleaseDatabase)(release, flags);
  try {
    await restoreWith(database);
  } finally {
    await database.close();
  }

  async function restoreWith(database: DatabaseSession): Promise<void> {
    const facts = await databaseFacts(database, 'any');
    await backup.checksum;
    const plan = planRestore({
      manifest: backup.manifest,
      target: {
        namespace: release.namespace,
        release: release.name,
        appVersion: release.app_version,
      },
      facts,
      writers,
      graphqlMigrates: runsMigrations(graphql?.spec.template.spec as never),
      force: flags.force ?? false,
      resume: flags.resume ?? false,
    });
    if (!flags.yes) await confirm(release.name, release.namespace);

    const resume = resumeCommand({
      file: backup.dump,
      manifest: flags.manifest === undefined ? undefined : backup.manifestFile,
      namespace: release.namespace,
      release: release.name,
      context: flags.context,
      kubeconfig: flags.kubeconfig,
    });
    const patch = (writer: Writer, body: object) =>
      kubectl.run([
        'patch',
        'deployment',
        writer.name,
        '--namespace',
        release.namespace,
        '--type',
        'merge',
        '--patch',
        JSON.stringify(body),
      ]);

    let stage = 'stopping the writers';
    const stateOf = () =>
      stage === 'stopping the writers'
        ? 'some writers may be at zero replicas, each remembering its count; the database is unchanged'
        : stage === 'restoring'
          ? 'the writers are at zero replicas; the database was cleaned and is empty, or holds the backup when pg_restore had already committed (it restores in one transaction, never halfway)'
          : 'the writers are at zero replicas; the database holds the backup';
    setInterruptNotice(`Interrupted while ${stage}: ${stateOf()}. To finish: ${resume}`);
    let scope: AbortSignal | undefined;
    try {
      await withInterruptScope(async (signal) => {
        scope = signal;
        const spinner = await out.spinner(`Stopping the writers of ${release.name}`);
        // One patch per Deployment, each scaling and remembering in one step, all at once.
        await Promise.all(writers.map((writer) => patch(writer, stopPatch(writer))));
        await waitForNoPods(deployments, writers, signal);
        spinner.succeed(
          `Stopped ${writers.map((w) => `${w.name} (was ${countAfter(w)})`).join(', ') || 'no writers (none found)'}`,
        );

        stage = 'restoring';
        const restoring = await out.spinner(
          `Restoring ${formatBytes(backup.manifest.size)} into ${database.description}`,
        );
        await sqlOn(database, cleanSql, signal);
        await database.run(
          'pg_restore',
          ['--no-owner', '--no-acl', '--single-transaction', '--exit-on-error'],
          { stdin: createReadStream(backup.dump), signal },
        );
        const after = await databaseFacts(database, 'exact', signal);
        const differences = countDifferences(backup.manifest.tables, after.tables);
        if (differences.length > 0) {
          restoring.fail('The restored row counts differ from the manifest');
          throw new UserError(
            `The restored database does not hold the backup's rows: ${differences.map((d) => `${d.table} ${d.actual} (expected ${d.expected})`).join(', ')}. The writers were left at zero.`,
            { hint: `Look into it, then run the restore again: ${resume}` },
          );
        }
        restoring.succeed(
          `Restored ${Object.keys(after.tables).length} tables; every row count matches the manifest`,
        );

        stage = 'starting the writers';
        await Promise.all(writers.map((writer) => patch(writer, startPatch(writer))));
      });
    } catch (error) {
      if (error instanceof InterruptedError) throw error;
      // Whatever the stopped tool said, Ctrl-C is what ended it.
      if (
        scope?.aborted ||
        (error instanceof UserError && error.exitCode === ExitCode.interrupted)
      ) {
        throw new InterruptedError(
          `Restore interrupted while ${stage}: ${stateOf()}.`,
          `To finish: ${resume}`,
        );
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new UserError(`Restore failed while ${stage}: ${reason}. State: ${stateOf()}.`, {
        hint: `To finish: ${resume}`,
        cause: error,
      });
    } finally {
      setInterruptNotice('Interrupted; nothing was changed.');
    }
    out.line(
      `Started ${writers.map((w) => `${w.name} (${countAfter(w)})`).join(', ') || 'no writers'}`,
    );
    if (plan.migrations.kind === 'graphql-init') {
      out.line(
        `The backup's schema (${plan.migrations.from}) is older than the server's (${plan.migrations.to}): graphql's init container runs prefect-server database upgrade --yes as its new pods start.`,
      );
    } else if (plan.migrations.kind === 'manual') {
      out.warn(
        `The backup's schema (${plan.migrations.from}) is older than the server's (${plan.migrations.to}) and graphql has no init container that migrates (graphql.init.enabled=false): run the migrations yourself, e.g. kubectl exec -n ${release.namespace} deploy/${graphql?.metadata.name ?? `${release.name}-graphql`} -- prefect-server database upgrade --yes`,
      );
    }
  }
}

/** Waits until no pod of the stopped writers is left (a pod still running could still write). */
async function waitForNoPods(
  deployments: () => Promise<(Workload & { status?: { replicas?: number } })[]>,
  writers: readonly Writer[],
  signal: AbortSignal,
): Promise<void> {
  const names = new Set(writers.map((w) => w.name));
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    if (signal.aborted) throw new UserError('interrupted', { exitCode: ExitCode.interrupted });
    const left = (await deployments()).filter(
      (d) =>
        names.has(d.metadata.name) &&
        ((d.status as { replicas?: number } | undefined)?.replicas ?? 0) > 0,
    );
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      throw new UserError(
        `the writers' pods did not stop within 5 minutes: ${left.map((d) => d.metadata.name).join(', ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
