// doctor: the release's Deployments and StatefulSets, and its pods in each known bad state
// (crash loop with the crashed container's last log lines, image pull, unschedulable, out of
// memory, recent restarts). All decided over the one list of pods; logs are read only for pods
// that crash.

import { instanceSelector } from '../release/labels.js';
import { explainPods, summarizeWorkloads } from '../release/workload-status.js';
import type { ContainerStatus, Pod, Workload } from '../tools/kube-objects.js';
import { type CheckResult, fail, pass, warn } from '../ui/check.js';
import { componentOf, describeAge, type ReleaseObjects } from './cluster-state.js';
import { CannotRun, type DoctorContext } from './context.js';
import { type DoctorCheck, type DoctorResult, withDetails } from './doctor-check.js';

/** One container of one pod, with what the checks need to know about it. */
export interface ContainerView {
  pod: string;
  component: string | undefined;
  container: string;
  status: ContainerStatus;
  image: string | undefined;
  memoryLimit: string | undefined;
}

/** Live pods of the release (not being deleted, not finished Job pods). */
function livePods(pods: readonly Pod[]): Pod[] {
  return pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded');
}

export function containersOf(pods: readonly Pod[]): ContainerView[] {
  const views: ContainerView[] = [];
  for (const pod of livePods(pods)) {
    const statuses = [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ];
    for (const status of statuses) {
      const spec = pod.spec?.containers?.find((c) => c.name === status.name);
      views.push({
        pod: pod.metadata.name,
        component: componentOf(pod),
        container: status.name,
        status,
        image: spec?.image,
        memoryLimit: spec?.resources?.limits?.memory,
      });
    }
  }
  return views;
}

const where = (c: ContainerView) =>
  `${c.component ?? c.pod} (pod ${c.pod}${c.container !== c.component ? `, container ${c.container}` : ''})`;

const oomKilled = (c: ContainerView) =>
  c.status.lastState?.terminated?.reason === 'OOMKilled' ||
  c.status.state?.terminated?.reason === 'OOMKilled';

const crashReasons = new Set([
  'CrashLoopBackOff',
  'RunContainerError',
  'CreateContainerError',
  'CreateContainerConfigError',
]);
const pullReasons = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'ErrImageNeverPull',
]);

/** Containers that crash (an out-of-memory crash belongs to the OOM check). */
export function crashingContainers(views: readonly ContainerView[]): ContainerView[] {
  return views.filter(
    (c) => crashReasons.has(c.status.state?.waiting?.reason ?? '') && !oomKilled(c),
  );
}

export function judgeWorkloads(
  objects: ReleaseObjects,
  namespace: string,
  release: string,
): DoctorResult {
  if (objects.workloads.length === 0) {
    return fail(
      `release ${release} has no Deployments or StatefulSets`,
      'See the release checks; reinstall if its objects were deleted.',
    );
  }
  const summary = summarizeWorkloads(objects.workloads);
  if (summary.waiting.length === 0)
    return pass(`all ${summary.ready.length} Deployments and StatefulSets are available`);
  const byName = new Map(objects.workloads.map((w) => [w.metadata.name, w] as const));
  const waiting = summary.waiting.map((name) => {
    const w = byName.get(name) as Workload;
    const ready = w.kind === 'Deployment' ? w.status?.availableReplicas : w.status?.readyReplicas;
    return `${name} (${ready ?? 0}/${w.spec.replicas ?? 1})`;
  });
  return withDetails(
    fail(
      `not available: ${waiting.join(', ')}`,
      `The pod checks below say why. Watch them: kubectl get pods -n ${namespace} -l ${instanceSelector(release)}`,
    ),
    explainPods(livePods(objects.pods)),
  );
}

export function judgeImagePull(views: readonly ContainerView[], target: string): CheckResult {
  const stuck = views.filter((c) => pullReasons.has(c.status.state?.waiting?.reason ?? ''));
  if (stuck.length === 0) return pass('every image was pulled');
  const first = stuck[0] as ContainerView;
  return fail(
    stuck
      .map((c) => `${where(c)}: ${c.status.state?.waiting?.reason} for ${c.image ?? 'its image'}`)
      .join('; '),
    `Check that the image and tag exist and the nodes reach the registry (kubectl describe pod ${first.pod}); a private registry needs a pull Secret: prefect-server upgrade ${target} --image-pull-secret NAME`,
  );
}

/** What to do about a pod the scheduler cannot place, from the scheduler's own words. */
export function pendingHint(
  message: string,
  component: string | undefined,
  target: string,
): string {
  const key = component === 'postgresql' ? 'postgresql' : (component ?? 'COMPONENT');
  if (/Insufficient (cpu|memory)/i.test(message))
    return `Add nodes, or lower the requests: prefect-server upgrade ${target} --set ${key}.resources.requests.cpu=50m --set ${key}.resources.requests.memory=128Mi`;
  if (/persistentvolumeclaim|unbound|volume/i.test(message))
    return 'The database volume claim is not bound: check the StorageClass (kubectl get pvc,storageclass), or choose one: --db-storage-class NAME';
  if (/affinity|selector/i.test(message))
    return `No node has the labels the pod asks for: check ${key}.nodeSelector and ${key}.affinity (helm get values), and the nodes' labels (kubectl get nodes --show-labels)`;
  if (/taint/i.test(message))
    return `Every node has a taint the pod does not tolerate: add ${key}.tolerations, or use other nodes`;
  return 'See the scheduler events: kubectl describe pod POD';
}

export function judgePending(pods: readonly Pod[], target: string): CheckResult {
  const unscheduled = livePods(pods).flatMap((pod) => {
    const condition = pod.status?.conditions?.find(
      (c) => c.type === 'PodScheduled' && c.status === 'False',
    );
    return condition
      ? [{ pod, message: condition.message ?? condition.reason ?? 'no reason given' }]
      : [];
  });
  if (unscheduled.length === 0) return pass('every pod is scheduled');
  const first = unscheduled[0] as (typeof unscheduled)[number];
  return fail(
    unscheduled
      .map(
        (u) =>
          `${componentOf(u.pod) ?? u.pod.metadata.name} (pod ${u.pod.metadata.name}) is Pending: ${u.message}`,
      )
      .join('; '),
    pendingHint(first.message, componentOf(first.pod), target).replace(
      'POD',
      first.pod.metadata.name,
    ),
  );
}

/** The values key of a component's resources. */
function valuesKey(component: string | undefined): string {
  if (component === 'create-tenant') return 'jobs.createTenant';
  return component ?? 'COMPONENT';
}

export function judgeOom(views: readonly ContainerView[], target: string): CheckResult {
  const killed = views.filter(oomKilled);
  if (killed.length === 0) return pass('no container was killed for memory');
  const first = killed[0] as ContainerView;
  return fail(
    killed
      .map(
        (c) =>
          `${where(c)} was OOMKilled${c.memoryLimit ? ` at its ${c.memoryLimit} limit` : ''} (${c.status.restartCount} restarts)`,
      )
      .join('; '),
    `Raise its memory limit: prefect-server upgrade ${target} --set ${valuesKey(first.component)}.resources.limits.memory=1Gi`,
  );
}

export function judgeRestarts(
  views: readonly ContainerView[],
  now: Date,
  namespace: string,
  windowSeconds = 3600,
): CheckResult {
  const failing = new Set(crashingContainers(views));
  const recent = views.filter((c) => {
    if (c.status.restartCount === 0 || failing.has(c) || oomKilled(c)) return false;
    const finished = Date.parse(c.status.lastState?.terminated?.finishedAt ?? '');
    return !Number.isNaN(finished) && now.getTime() - finished <= windowSeconds * 1000;
  });
  if (recent.length === 0) {
    // Crash loops and OOM kills are their own checks' findings, not counted again here.
    const total = views
      .filter((c) => !failing.has(c) && !oomKilled(c))
      .reduce((sum, c) => sum + c.status.restartCount, 0);
    return pass(
      total === 0
        ? `no restarts${failing.size > 0 ? ' besides the failing containers above' : ''}`
        : `${total} restarts, none in the last hour`,
    );
  }
  const first = recent[0] as ContainerView;
  return warn(
    recent
      .map((c) => {
        const last = c.status.lastState?.terminated;
        const ago = Math.round((now.getTime() - Date.parse(last?.finishedAt ?? '')) / 1000);
        return `${where(c)} restarted ${c.status.restartCount} times, last ${describeAge(ago)} ago (${last?.reason ?? 'exit'} ${last?.exitCode ?? ''})`.trim();
      })
      .join('; '),
    `See why it stopped: kubectl logs -n ${namespace} ${first.pod} -c ${first.container} --previous`,
  );
}

/** The last lines a container wrote before it crashed (its previous run), else its current ones. */
async function lastLogLines(ctx: DoctorContext, c: ContainerView, lines = 10): Promise<string[]> {
  const api = await ctx.api();
  const path = `/api/v1/namespaces/${ctx.namespace}/pods/${c.pod}/log?container=${encodeURIComponent(c.container)}&tailLines=${lines}`;
  for (const previous of [true, false]) {
    const text = (
      await api
        .getText(previous ? `${path}&previous=true` : path, { timeoutMs: 10_000 })
        .catch(() => undefined)
    )?.trimEnd();
    if (text) return text.split('\n').slice(-lines);
  }
  return [];
}

async function views(ctx: DoctorContext): Promise<ContainerView[]> {
  const objects = await ctx.objects();
  if (objects.forbidden.includes('pods'))
    throw new CannotRun(`cannot run: you may not list pods in ${ctx.namespace}`);
  return containersOf(objects.pods);
}

const available: DoctorCheck = {
  id: 'workloads-available',
  category: 'workloads',
  title: 'every Deployment and StatefulSet is available',
  when: 'installed',
  async run(ctx) {
    const objects = await ctx.objects();
    for (const kind of ['deployments', 'statefulsets'])
      if (objects.forbidden.includes(kind))
        throw new CannotRun(`cannot run: you may not list ${kind} in ${ctx.namespace}`);
    return judgeWorkloads(objects, ctx.namespace, ctx.releaseName);
  },
};

const crashLoop: DoctorCheck = {
  id: 'pods-crash-loop',
  category: 'workloads',
  title: 'no container is crash-looping',
  when: 'installed',
  async run(ctx) {
    const crashing = crashingContainers(await views(ctx));
    if (crashing.length === 0) return pass('no container is crash-looping');
    const details: string[] = [];
    // Logs of the first few only: a whole release crashing usually has one cause.
    const shown = crashing.slice(0, 3);
    const logs = await Promise.all(shown.map((c) => lastLogLines(ctx, c)));
    shown.forEach((c, i) => {
      const lines = logs[i] ?? [];
      details.push(
        lines.length > 0
          ? `last lines of ${c.pod}/${c.container} before it crashed:`
          : `${c.pod}/${c.container} wrote no log`,
      );
      details.push(...lines.map((l) => `  ${l}`));
    });
    const first = crashing[0] as ContainerView;
    const message = crashing
      .map((c) => {
        const waiting = c.status.state?.waiting;
        const last = c.status.lastState?.terminated;
        const extra =
          waiting?.reason === 'CrashLoopBackOff'
            ? `${c.status.restartCount} restarts${last?.exitCode !== undefined ? `, last exit code ${last.exitCode}` : ''}`
            : (waiting?.message ?? '');
        return `${where(c)}: ${waiting?.reason}${extra ? ` (${extra})` : ''}`;
      })
      .join('; ');
    return withDetails(
      fail(
        message,
        `Read its whole log: kubectl logs -n ${ctx.namespace} ${first.pod} -c ${first.container} --previous   (hasura, graphql and towel crash when the database refuses them: see the database checks)`,
      ),
      details,
    );
  },
};

const imagePull: DoctorCheck = {
  id: 'pods-image-pull',
  category: 'workloads',
  title: 'every image can be pulled',
  when: 'installed',
  async run(ctx) {
    return judgeImagePull(await views(ctx), ctx.target);
  },
};

const pending: DoctorCheck = {
  id: 'pods-pending',
  category: 'workloads',
  title: 'every pod is scheduled',
  when: 'installed',
  async run(ctx) {
    const objects = await ctx.objects();
    if (objects.forbidden.includes('pods'))
      throw new CannotRun(`cannot run: you may not list pods in ${ctx.namespace}`);
    return judgePending(objects.pods, ctx.target);
  },
};

const oom: DoctorCheck = {
  id: 'pods-oom-killed',
  category: 'workloads',
  title: 'no container runs out of memory',
  when: 'installed',
  async run(ctx) {
    return judgeOom(await views(ctx), ctx.target);
  },
};

const restarts: DoctorCheck = {
  id: 'pods-restarts',
  category: 'workloads',
  title: 'no container restarted recently',
  when: 'installed',
  async run(ctx) {
    return judgeRestarts(await views(ctx), ctx.now, ctx.namespace);
  },
};

export const workloadChecks: DoctorCheck[] = [
  available,
  crashLoop,
  imagePull,
  pending,
  oom,
  restarts,
];
