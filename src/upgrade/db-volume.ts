// Growing the bundled database's volume. A StatefulSet's volumeClaimTemplates cannot be changed,
// so the claim itself is grown (the API server allows it only for a bound claim whose StorageClass
// has allowVolumeExpansion: true), the StatefulSet is deleted with --cascade=orphan (its pod keeps
// running on the same claim), and helm recreates it with the new template.
import { parseAllDocuments } from 'yaml';
import { ExitCode, UserError } from '../errors.js';
import * as rules from '../plan/rules.js';
import { instanceSelector } from '../release/labels.js';
import { targetLine } from '../release/release-flags.js';
import type { KubeList, PersistentVolumeClaim, Workload } from '../tools/kube-objects.js';
import type { Kubectl } from '../tools/kubectl.js';
import { ToolError } from '../tools/run-tool.js';
import type { Values } from '../values/render-values.js';
import type { ValuesEra } from '../values/values-era.js';
import { compareQuantities } from './quantity.js';

/** The volume of the bundled database as the cluster has it. */
export interface DatabaseVolume {
  namespace: string;
  /** The StatefulSet the claim belongs to (it may be gone after an interrupted resize). */
  statefulSet: string;
  statefulSetExists: boolean;
  /** The StatefulSet's volumeClaimTemplates request, when it exists. */
  templateSize: string | undefined;
  claim: string;
  /** spec.resources.requests.storage of the claim. */
  request: string;
  phase: string;
  storageClass: string | undefined;
  allowExpansion: boolean;
}

/** Deletes the StatefulSet but not its pod, which keeps running on the same claim. */
async function orphanStatefulSet(kubectl: Kubectl, volume: DatabaseVolume): Promise<void> {
  await kubectl.run(
    [
      'delete',
      'statefulset',
      volume.statefulSet,
      '--namespace',
      volume.namespace,
      '--cascade=orphan',
      '--wait=true',
    ],
    { timeoutMs: 120_000 },
  );
}

const isDatabase = (name: string) => /postgresql/.test(name) && !/-hl$/.test(name);

/** Reads the database StatefulSet and its claim; undefined when the database has no claim of its own. */
export async function findDatabaseVolume(
  kubectl: Kubectl,
  namespace: string,
  release: string,
): Promise<DatabaseVolume | undefined> {
  const selector = instanceSelector(release);
  const [sets, claims] = await Promise.all([
    kubectl.json<KubeList<Workload>>([
      'get',
      'statefulsets',
      '--namespace',
      namespace,
      '--selector',
      selector,
    ]),
    kubectl.json<KubeList<PersistentVolumeClaim>>([
      'get',
      'persistentvolumeclaims',
      '--namespace',
      namespace,
      '--selector',
      selector,
    ]),
  ]);
  const set = sets.items.find(
    (s) => isDatabase(s.metadata.name) && (s.spec.volumeClaimTemplates?.length ?? 0) > 0,
  );
  let claim: PersistentVolumeClaim | undefined;
  let statefulSet: string;
  let templateSize: string | undefined;
  if (set) {
    const template = set.spec.volumeClaimTemplates?.[0];
    statefulSet = set.metadata.name;
    templateSize = template?.spec.resources?.requests?.storage;
    const claimName = `${template?.metadata.name ?? 'data'}-${statefulSet}-0`;
    claim = claims.items.find((c) => c.metadata.name === claimName);
    if (!claim) {
      // The claim carries only the template's labels in some charts: read it by name.
      const found = await kubectl.run(
        [
          'get',
          'persistentvolumeclaim',
          claimName,
          '--namespace',
          namespace,
          '--ignore-not-found',
          '-o',
          'json',
        ],
        { timeoutMs: 30_000 },
      );
      if (found.stdout.trim()) claim = JSON.parse(found.stdout) as PersistentVolumeClaim;
    }
  } else {
    // No StatefulSet with a claim template: an earlier resize may have deleted it (orphaning the
    // pod) and not got as far as the helm upgrade. Its claim is still there.
    claim = claims.items.find((c) => /^[a-z0-9-]+-.*postgresql.*-0$/.test(c.metadata.name));
    const match = claim && /^[a-z0-9]+-(.*)-0$/.exec(claim.metadata.name);
    if (!claim || !match?.[1]) return undefined;
    statefulSet = match[1];
  }
  if (!claim) return undefined;
  const storageClass = claim.spec.storageClassName || undefined;
  let allowExpansion = false;
  if (storageClass) {
    const found = await kubectl.run(
      ['get', 'storageclass', storageClass, '--ignore-not-found', '-o', 'json'],
      { timeoutMs: 30_000 },
    );
    if (found.stdout.trim())
      allowExpansion =
        (JSON.parse(found.stdout) as { allowVolumeExpansion?: boolean }).allowVolumeExpansion ===
        true;
  }
  return {
    namespace,
    statefulSet,
    statefulSetExists: set !== undefined,
    templateSize,
    claim: claim.metadata.name,
    request: claim.spec.resources?.requests?.storage ?? '0',
    phase: claim.status?.phase ?? 'Unknown',
    storageClass,
    allowExpansion,
  };
}

/** What the resize does; `problem` set means it is refused (bad input, nothing changes). */
export interface VolumeResize {
  problem?: { message: string; hint?: string };
  /** The claim's request is raised (false when it already has the size). */
  growClaim: boolean;
  /** The StatefulSet is deleted with --cascade=orphan so helm recreates it with the new template. */
  replaceStatefulSet: boolean;
}

/** Pure decision: may the volume become `size`, and which steps does that take. */
export function planVolumeResize(volume: DatabaseVolume, size: string): VolumeResize {
  const none = { growClaim: false, replaceStatefulSet: false };
  const format = rules.quantity('Database volume size')(size);
  if (format) return { ...none, problem: { message: format } };
  let order: number;
  try {
    order = compareQuantities(size, volume.request);
  } catch {
    order = 1;
  }
  if (order < 0) {
    return {
      ...none,
      problem: {
        message: `Database volume size ${size} is smaller than the volume's current ${volume.request} (claim ${volume.claim}): a volume can grow, never shrink.`,
        hint: `Give a size of at least ${volume.request}. To make it smaller, back the database up, install a new release with the smaller volume and restore.`,
      },
    };
  }
  if (order > 0 && !volume.storageClass) {
    return {
      ...none,
      problem: {
        message: `Claim ${volume.claim} has no StorageClass, so its volume cannot grow: Kubernetes resizes only claims whose StorageClass allows volume expansion.`,
      },
    };
  }
  if (order > 0 && !volume.allowExpansion) {
    return {
      ...none,
      problem: {
        message: `StorageClass ${volume.storageClass} of claim ${volume.claim} does not allow volume expansion (allowVolumeExpansion is not true), so the database volume cannot grow from ${volume.request} to ${size}.`,
        hint: `If its provisioner can resize volumes, a cluster administrator can allow it: kubectl patch storageclass ${volume.storageClass} -p '{"allowVolumeExpansion":true}'. Otherwise back the database up, install a new release with a larger volume and restore.`,
      },
    };
  }
  if (order > 0 && volume.phase !== 'Bound') {
    return {
      ...none,
      problem: {
        message: `Claim ${volume.claim} is ${volume.phase}; only a bound claim can grow.`,
        hint: `See why: kubectl describe persistentvolumeclaim ${volume.claim} -n ${volume.namespace}`,
      },
    };
  }
  let templateOrder = 1;
  try {
    if (volume.templateSize) templateOrder = compareQuantities(size, volume.templateSize);
  } catch {
    /* an unreadable template size is replaced */
  }
  return {
    growClaim: order > 0,
    replaceStatefulSet: volume.statefulSetExists && templateOrder !== 0,
  };
}

/** The values override that sets the size, at the key the target chart reads. */
export function sizeOverride(era: ValuesEra, size: string): Values {
  return era === 'seed'
    ? { postgresql: { persistence: { size } } }
    : { postgresql: { primary: { persistence: { size } } } };
}

/** The plan lines shown before the confirmation. */
export function describeResize(
  volume: DatabaseVolume,
  size: string,
  steps: VolumeResize,
): string[] {
  const lines = [
    `database volume: claim ${volume.claim} (StorageClass ${volume.storageClass ?? 'none'}) ${volume.request} -> ${size}`,
  ];
  if (steps.growClaim)
    lines.push(`  1. kubectl patch persistentvolumeclaim ${volume.claim} (request ${size})`);
  if (steps.replaceStatefulSet)
    lines.push(
      `  ${steps.growClaim ? 2 : 1}. kubectl delete statefulset ${volume.statefulSet} --cascade=orphan (its pod keeps running)`,
    );
  lines.push(
    `  then helm upgrade ${steps.replaceStatefulSet || !volume.statefulSetExists ? 'recreates' : 'keeps'} StatefulSet ${volume.statefulSet} with a ${size} claim template`,
  );
  return lines;
}

/** The command that finishes an interrupted or failed resize (it is safe to run again). */
export function resumeCommand(namespace: string, release: string, size: string): string {
  return `prefect-server upgrade ${targetLine({ namespace, release }, { alwaysRelease: true })} --db-size ${size} --yes`;
}

/** Grows the claim and removes the StatefulSet (not its pod); helm upgrade comes next. */
export async function applyVolumeResize(
  kubectl: Kubectl,
  volume: DatabaseVolume,
  release: string,
  size: string,
  steps: VolumeResize,
): Promise<void> {
  const resume = resumeCommand(volume.namespace, release, size);
  if (steps.growClaim) {
    try {
      await kubectl.run(
        [
          'patch',
          'persistentvolumeclaim',
          volume.claim,
          '--namespace',
          volume.namespace,
          '--type',
          'merge',
          '--patch',
          JSON.stringify({ spec: { resources: { requests: { storage: size } } } }),
        ],
        { timeoutMs: 60_000 },
      );
    } catch (error) {
      throw new UserError(`Could not grow claim ${volume.claim} to ${size}: ${reasonOf(error)}`, {
        exitCode: ExitCode.failure,
        hint: `Nothing was changed: the claim still requests ${volume.request} and the release is as it was.`,
        cause: error,
      });
    }
  }
  if (steps.replaceStatefulSet) {
    try {
      await orphanStatefulSet(kubectl, volume);
    } catch (error) {
      throw new UserError(
        `Could not delete StatefulSet ${volume.statefulSet} to recreate it with the new size: ${reasonOf(error)}`,
        {
          exitCode: ExitCode.failure,
          hint: `Claim ${volume.claim} ${steps.growClaim ? `was grown to ${size}` : `already requests ${size}`}; the StatefulSet and the release are unchanged. To finish: ${resume}`,
          cause: error,
        },
      );
    }
  }
}

/** What to tell the user when helm fails after the claim or StatefulSet changed. */
export function stateAfterFailedUpgrade(
  volume: DatabaseVolume,
  release: string,
  size: string,
  steps: VolumeResize,
): string {
  const parts = [];
  if (steps.growClaim) parts.push(`claim ${volume.claim} was grown to ${size}`);
  if (steps.replaceStatefulSet)
    parts.push(
      `StatefulSet ${volume.statefulSet} was deleted with --cascade=orphan (the database pod keeps running on its claim) and helm may not have recreated it`,
    );
  return `Database volume: ${parts.join('; ')}. To finish the resize (safe to run again; it rolls back first, replacing the StatefulSet where its claim template must change, which a plain helm rollback cannot): ${resumeCommand(volume.namespace, release, size)}`;
}

function reasonOf(error: unknown): string {
  if (error instanceof ToolError) return error.message.replace(/^kubectl failed: /, '');
  return error instanceof Error ? error.message : String(error);
}

/** The claim template size of StatefulSet `name` in a release manifest, if it has one. */
export function templateSizeIn(manifest: string, name: string): string | undefined {
  for (const document of parseAllDocuments(manifest)) {
    const object = document.toJS() as Workload | null;
    if (object?.kind !== 'StatefulSet' || object.metadata?.name !== name) continue;
    return object.spec?.volumeClaimTemplates?.[0]?.spec.resources?.requests?.storage;
  }
  return undefined;
}

/**
 * A rollback across a resize would change the StatefulSet's claim template, which the API server
 * forbids: delete the StatefulSet (not its pod) first, so the rollback recreates it. The claim
 * keeps its size (volumes never shrink). Returns what was done, or undefined when nothing was.
 */
export async function releaseStatefulSetForRollback(
  kubectl: Kubectl,
  volume: DatabaseVolume | undefined,
  targetManifest: string,
): Promise<string | undefined> {
  if (!volume?.statefulSetExists || volume.templateSize === undefined) return undefined;
  const target = templateSizeIn(targetManifest, volume.statefulSet);
  if (target === undefined) return undefined;
  try {
    if (compareQuantities(target, volume.templateSize) === 0) return undefined;
  } catch {
    return undefined;
  }
  await orphanStatefulSet(kubectl, volume);
  return `StatefulSet ${volume.statefulSet} has a ${volume.templateSize} claim template and the rollback target ${target}; a claim template cannot change, so it was deleted with --cascade=orphan (its pod keeps running) for the rollback to recreate it. Claim ${volume.claim} keeps ${volume.request}.`;
}
