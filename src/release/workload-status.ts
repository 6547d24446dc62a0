// Reading a release's workloads back from the cluster: how many are ready (for the progress line)
// and, for pods that are not, why, in the words a person needs (for failures).
import { type KubeApi, selectorQuery } from '../tools/kube-api.js';
import type { KubeList, Pod, Workload } from '../tools/kube-objects.js';
import { instanceSelector } from './labels.js';

export interface WorkloadSummary {
  ready: string[];
  waiting: string[];
}

/** Which Deployments and StatefulSets have all their replicas ready. */
export function summarizeWorkloads(items: Workload[]): WorkloadSummary {
  const summary: WorkloadSummary = { ready: [], waiting: [] };
  for (const item of items) {
    const desired = item.spec.replicas ?? 1;
    const ready =
      item.kind === 'Deployment'
        ? (item.status?.availableReplicas ?? 0)
        : (item.status?.readyReplicas ?? 0);
    (ready >= desired ? summary.ready : summary.waiting).push(item.metadata.name);
  }
  summary.ready.sort();
  summary.waiting.sort();
  return summary;
}

/** One line per pod that is not ready: what is wrong with it, as Kubernetes reports it. */
export function explainPods(pods: Pod[]): string[] {
  const lines: string[] = [];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const status = pod.status ?? {};
    if (status.phase === 'Succeeded') continue;
    const unscheduled = status.conditions?.find(
      (c) => c.type === 'PodScheduled' && c.status === 'False',
    );
    if (unscheduled) {
      lines.push(
        `${pod.metadata.name}: Pending, not scheduled: ${unscheduled.message ?? unscheduled.reason ?? 'no reason given'}`,
      );
      continue;
    }
    const containers = [
      ...(status.initContainerStatuses ?? []),
      ...(status.containerStatuses ?? []),
    ];
    const problems: string[] = [];
    for (const c of containers) {
      if (c.ready || c.state?.terminated?.reason === 'Completed') continue;
      const waiting = c.state?.waiting;
      const last = c.lastState?.terminated;
      if (waiting?.reason) {
        let text = `${c.name} ${waiting.reason}`;
        if (last?.reason === 'OOMKilled') text += ' (last run OOMKilled: raise its memory limit)';
        else if (waiting.message) text += ` (${waiting.message})`;
        if (c.restartCount > 0) text += `, ${c.restartCount} restarts`;
        problems.push(text);
      } else {
        problems.push(`${c.name} running but not ready (its readiness probe fails)`);
      }
    }
    if (problems.length === 0 && containers.length > 0) continue;
    if (problems.length === 0) problems.push(`phase ${status.phase ?? 'unknown'}`);
    lines.push(`${pod.metadata.name}: ${problems.join('; ')}`);
  }
  return lines;
}

export async function fetchWorkloads(
  api: KubeApi,
  namespace: string,
  release: string,
): Promise<Workload[]> {
  const query = selectorQuery(instanceSelector(release));
  const lists = await Promise.all(
    ['deployments', 'statefulsets'].map((kind) =>
      api.get<KubeList<Workload>>(`/apis/apps/v1/namespaces/${namespace}/${kind}${query}`),
    ),
  );
  // The API leaves kind out of list items; kubectl filled it in, and the summary names by kind.
  return lists.flatMap((list, i) =>
    (list?.items ?? []).map((w) => ({ ...w, kind: i === 0 ? 'Deployment' : 'StatefulSet' })),
  );
}

export async function fetchPods(api: KubeApi, namespace: string, release: string): Promise<Pod[]> {
  const list = await api.get<KubeList<Pod>>(
    `/api/v1/namespaces/${namespace}/pods${selectorQuery(instanceSelector(release))}`,
  );
  return list?.items ?? [];
}
