// The backups this machine knows of: one small JSON file per user, so `status` can say when a
// release was last backed up from here and where the file went. It lives in the XDG state
// directory ($XDG_STATE_HOME, default ~/.local/state) because it is history the CLI wrote, not
// configuration a user edits and not a cache that may vanish. It holds names, paths, sizes,
// checksums and times only: never a password (none passes through a backup to begin with).
//
// Reading is forgiving (a missing or damaged file means "no backup known"); writing replaces the
// file atomically (write a temporary file, rename) with mode 0600, as the dump itself is.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** One backup taken by `prefect-server backup` on this machine. */
export interface BackupRecord {
  /** The kube context it was taken through (`undefined`: the kubeconfig's current context). */
  context: string | undefined;
  namespace: string;
  release: string;
  /** Absolute path of the dump, or `-` when it went to stdout (then `manifest` says where its manifest went, if anywhere). */
  file: string;
  /** Absolute path of the manifest, `undefined` when none was written (`--output -` without `--manifest`). */
  manifest: string | undefined;
  /** Bytes of the dump. */
  size: number;
  /** SHA-256 of the dump, hex. */
  sha256: string;
  /** ISO 8601 UTC time the dump started. */
  created: string;
}

interface RecordsFile {
  version: 1;
  backups: BackupRecord[];
}

/** At most this many records are kept per release; older ones fall off. */
const keptPerRelease = 20;

/** Where the records live: $XDG_STATE_HOME/prefect-server/backups.json. */
export function backupRecordsFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'prefect-server', 'backups.json');
}

function readRecords(file: string): BackupRecord[] {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<RecordsFile>;
    return Array.isArray(parsed.backups) ? parsed.backups : [];
  } catch {
    return [];
  }
}

const sameRelease = (
  a: { namespace: string; release: string; context?: string | undefined },
  b: { namespace: string; release: string; context?: string | undefined },
) => a.namespace === b.namespace && a.release === b.release && a.context === b.context;

/** Adds a record (the newest last), keeping the last `keptPerRelease` of each release. */
export function recordBackup(record: BackupRecord, env: NodeJS.ProcessEnv = process.env): void {
  const file = backupRecordsFile(env);
  const all = [...readRecords(file), record];
  const mine = all.filter((r) => sameRelease(r, record));
  const dropped = new Set(mine.slice(0, Math.max(0, mine.length - keptPerRelease)));
  const kept: RecordsFile = { version: 1, backups: all.filter((r) => !dropped.has(r)) };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(kept, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/**
 * The last backup of a release known to this machine, `undefined` when none is. `context`
 * `undefined` matches backups taken through the current context (no `--context` given).
 */
export function lastBackup(
  release: { namespace: string; release: string; context?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): BackupRecord | undefined {
  const wanted = { ...release, context: release.context };
  return readRecords(backupRecordsFile(env))
    .filter((r) => sameRelease(r, wanted))
    .sort((a, b) => a.created.localeCompare(b.created))
    .pop();
}
