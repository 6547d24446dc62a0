// What a restore will do, decided before anything changes: every refusal here is bad input
// (exit 2) raised while the cluster and the database are still untouched.
import { InputError } from '../errors.js';
import {
  type BackupManifest,
  type DatabaseFacts,
  tablesWithRows,
} from '../release/backup-manifest.js';
import { compareVersions, normalizeReleasedVersion } from '../values/values-era.js';
import type { Writer } from './writers.js';

export interface RestoreInputs {
  manifest: BackupManifest;
  target: { namespace: string; release: string; appVersion: string };
  /** The target database before the restore (row counts: at least whether a table has rows). */
  facts: DatabaseFacts;
  writers: readonly Writer[];
  /** Whether graphql's pods run `prefect-server database upgrade --yes` in an init container. */
  graphqlMigrates: boolean;
  force: boolean;
  resume: boolean;
}

export type Migrations =
  /** the dump's schema is the server's own */
  | { kind: 'none' }
  /** graphql's init container upgrades the schema when graphql starts again */
  | { kind: 'graphql-init'; from: string; to: string }
  /** no init container migrates (graphql.init.enabled=false): the user must run them */
  | { kind: 'manual'; from: string; to: string };

export interface RestorePlan {
  /**
   * Drop what the database holds before pg_restore. Always: pg_restore creates every object of
   * the dump and stops at one that exists, and even a database without a row holds some (a
   * running release's graphql creates Prefect's empty tables, hasura its hdb_catalog schema).
   * The refusal of a database with rows comes first, so this never drops data unasked.
   */
  clean: true;
  migrations: Migrations;
}

const appVersionOf = (v: string) => normalizeReleasedVersion(v.replace(/^v/, ''));

export function planRestore(inputs: RestoreInputs): RestorePlan {
  const { manifest, target, facts } = inputs;
  const interrupted = inputs.writers.filter((w) => w.remembered !== undefined);
  if (inputs.resume && interrupted.length === 0) {
    throw new InputError(
      `--resume: no interrupted restore of ${target.release} in ${target.namespace} was found (no writer Deployment carries the replica count a restore remembers).`,
      'Run the restore without --resume.',
    );
  }
  const filled = tablesWithRows(facts.tables);
  if (filled.length > 0 && !inputs.force && !inputs.resume) {
    throw new InputError(
      `The database of ${target.release} is not empty: ${filled.join(', ')} ${filled.length === 1 ? 'holds' : 'hold'} rows. restore replaces a database only when told to.`,
      interrupted.length > 0
        ? 'An earlier restore was interrupted: add --resume to finish it.'
        : 'Add --force to drop everything in it and restore the backup instead (take a backup of it first: prefect-server backup).',
    );
  }
  const from = appVersionOf(manifest.appVersion);
  const to = appVersionOf(target.appVersion);
  const order = compareVersions(from, to);
  if (order > 0) {
    throw new InputError(
      `The backup is of Prefect Server ${manifest.appVersion}, newer than this release's ${target.appVersion}: its schema is newer than this server's migrations know, and it cannot be moved back.`,
      `Upgrade the release to ${manifest.appVersion} or later first (prefect-server upgrade --server-tag ${manifest.appVersion}), then restore.`,
    );
  }
  const revisionDiffers =
    facts.schemaRevision !== undefined &&
    manifest.schemaRevision !== undefined &&
    facts.schemaRevision !== manifest.schemaRevision;
  const older = order < 0 || revisionDiffers;
  const migrations: Migrations = !older
    ? { kind: 'none' }
    : {
        kind: inputs.graphqlMigrates ? 'graphql-init' : 'manual',
        from: manifest.schemaRevision ?? manifest.appVersion,
        to: facts.schemaRevision ?? target.appVersion,
      };
  return { clean: true, migrations };
}

interface ContainerLike {
  command?: string[];
  args?: string[];
}

/** Whether graphql's pod template runs the migrations in an init container (FACTS.md). */
export function runsMigrations(
  template: { initContainers?: ContainerLike[] } | undefined,
): boolean {
  return (template?.initContainers ?? []).some((c) =>
    [...(c.command ?? []), ...(c.args ?? [])].join(' ').includes('database upgrade'),
  );
}

/** A word for a POSIX shell, quoted only when it needs to be. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The command that finishes an interrupted restore: the same one, with --resume and --yes. */
export function resumeCommand(options: {
  file: string;
  manifest?: string | undefined;
  namespace: string;
  release: string;
  context?: string | undefined;
  kubeconfig?: string | undefined;
}): string {
  const words = ['prefect-server', 'restore', options.file];
  if (options.manifest !== undefined) words.push('--manifest', options.manifest);
  words.push('-n', options.namespace, '--release', options.release);
  if (options.context !== undefined) words.push('--context', options.context);
  if (options.kubeconfig !== undefined) words.push('--kubeconfig', options.kubeconfig);
  words.push('--resume', '--yes');
  return words.map(shellWord).join(' ');
}
