// A release's revisions as helm stores them: one Secret per revision, labelled owner=helm,
// name=<release>, status=<state>, version=<revision> (helm 3 and 4, driver "secret", the default).
// Reading those labels answers "is the name taken, and was it ever deployed?" in one API request
// instead of two helm starts. With another HELM_DRIVER the records live elsewhere, so helm is asked.
import { gunzipSync } from 'node:zlib';
import type { Helm } from '../tools/helm.js';
import { type KubeApi, selectorQuery } from '../tools/kube-api.js';
import type { KubeList, Secret } from '../tools/kube-objects.js';
import { helmRecordsSelector } from './labels.js';

export interface ReleaseRecord {
  revision: number;
  status: string;
  /** "name-version" of the chart, as `helm list` shows it */
  chart: string;
}

/** helm's payload: base64 (helm) inside base64 (the Secret), gzip inside that, then JSON. */
function chartOf(secret: Secret): string {
  try {
    const inner = Buffer.from(secret.data?.release ?? '', 'base64').toString('utf8');
    const release = JSON.parse(gunzipSync(Buffer.from(inner, 'base64')).toString('utf8')) as {
      chart?: { metadata?: { name?: string; version?: string } };
    };
    const meta = release.chart?.metadata;
    return meta?.name ? `${meta.name}-${meta.version ?? ''}` : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function helmStoresInSecrets(env: NodeJS.ProcessEnv = process.env): boolean {
  const driver = env.HELM_DRIVER ?? '';
  return driver === '' || driver === 'secret' || driver === 'secrets';
}

/** Oldest first; empty when there is no such release. */
export async function releaseRecords(
  api: KubeApi,
  helm: Helm,
  namespace: string,
  release: string,
): Promise<ReleaseRecord[]> {
  if (!helmStoresInSecrets()) {
    return (await helm.history(release, namespace)).map((h) => ({
      revision: h.revision,
      status: h.status,
      chart: h.chart,
    }));
  }
  const list = await api.get<KubeList<Secret>>(
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets${selectorQuery(helmRecordsSelector(release))}`,
  );
  const items = list?.items ?? [];
  const records = items
    .map((secret) => ({
      secret,
      revision: Number(secret.metadata.labels?.version ?? Number.NaN),
      status: secret.metadata.labels?.status ?? 'unknown',
    }))
    .filter((r) => Number.isFinite(r.revision))
    .sort((a, b) => a.revision - b.revision);
  // Only the newest payload is decoded: the chart of older revisions is not needed.
  return records.map((r, i) => ({
    revision: r.revision,
    status: r.status,
    chart: i === records.length - 1 ? chartOf(r.secret) : '',
  }));
}

const unfinishedStates = new Set(['pending-install', 'failed']);

/**
 * The state of a release left by an interrupted or failed first install (never deployed), which a
 * re-run of install replaces; anything that was ever deployed belongs to `upgrade`.
 */
export function unfinishedInstall(records: readonly ReleaseRecord[]): string | undefined {
  const last = records.at(-1);
  if (!last) return undefined;
  const everDeployed = records.some((r) => r.status === 'deployed' || r.status === 'superseded');
  return !everDeployed && unfinishedStates.has(last.status) ? last.status : undefined;
}
