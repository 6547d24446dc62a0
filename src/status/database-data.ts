// status's two lines about the data: the database's size, read with one query through the
// release's database access, and the last backup this machine knows of (release/backup-records.ts).
// Status changes nothing: for an external or Bitnami database, reaching it means starting a client
// pod, so status does not, and says how to read the size instead.
import { formatBytes } from '../checks/database-data.js';
import { lastBackup } from '../release/backup-records.js';
import type { HelmRelease } from '../tools/helm.js';
import type { KubeApi } from '../tools/kube-api.js';
import type { Kubectl } from '../tools/kubectl.js';
import { InterruptedError } from '../ui/interrupt.js';

export interface DatabaseData {
  /** pg_database_size of the release's database, or why it was not read. */
  size: { bytes: number } | { bytes: null; why: string };
  lastBackup: { file: string; created: string; size: number } | null;
}

export async function readDatabaseData(
  api: KubeApi,
  kubectl: Kubectl,
  release: HelmRelease,
  context: string | undefined,
): Promise<DatabaseData> {
  const record = lastBackup({ namespace: release.namespace, release: release.name, context });
  return {
    size: await databaseSize(api, kubectl, release),
    lastBackup: record ? { file: record.file, created: record.created, size: record.size } : null,
  };
}

async function databaseSize(
  api: KubeApi,
  kubectl: Kubectl,
  release: HelmRelease,
): Promise<DatabaseData['size']> {
  const { locateDatabase, openDatabaseSession } = await import('../release/database-access.js');
  try {
    const { kind } = await locateDatabase(api, release);
    if (kind !== 'bundled') {
      return {
        bytes: null,
        why: `not read: the ${kind === 'external' ? 'external' : "original chart's Bitnami"} database is reached through a client pod, which status does not start (prefect-server backup reports the row counts)`,
      };
    }
    const session = await openDatabaseSession(release, kubectl);
    try {
      const rows = await session.query('SELECT pg_database_size(current_database())', {
        signal: AbortSignal.timeout(10_000),
      });
      const bytes = Number(rows[0]?.[0]);
      return Number.isFinite(bytes) ? { bytes } : { bytes: null, why: 'not read: no answer' };
    } finally {
      await session.close();
    }
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { bytes: null, why: `not read: ${reason}` };
  }
}

/** The two lines of the status screen. */
export function describeDatabaseData(data: DatabaseData, target: string): string[] {
  const size = data.size.bytes === null ? data.size.why : formatBytes(data.size.bytes);
  const backup = data.lastBackup
    ? `last from this machine ${data.lastBackup.created}: ${data.lastBackup.file} (${formatBytes(data.lastBackup.size)})`
    : `none known to this machine (take one: prefect-server backup ${target})`;
  return [`db size   ${size}`, `backup    ${backup}`];
}
