// doctor's workload checks decide on fixture pods shaped as the API server (and kwok) reports them.
import { describe, expect, it } from 'vitest';
import type { ReleaseObjects } from '../../src/checks/cluster-state.js';
import {
  containersOf,
  crashingContainers,
  judgeImagePull,
  judgeOom,
  judgePending,
  judgeRestarts,
  judgeWorkloads,
  pendingHint,
} from '../../src/checks/workloads.js';
import type { Pod, Workload } from '../../src/tools/kube-objects.js';

const now = new Date('2026-01-01T12:00:00Z');
const target = '-n prefect';

function pod(
  name: string,
  component: string,
  container: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Pod {
  return {
    kind: 'Pod',
    metadata: { name, labels: { 'app.kubernetes.io/component': component } },
    spec: {
      containers: [
        {
          name: component,
          image: `prefecthq/${component}:1`,
          resources: { limits: { memory: '256Mi' } },
        },
      ],
    },
    status: {
      phase: 'Running',
      containerStatuses: [{ name: component, ready: true, restartCount: 0, ...container }],
      ...extra,
    },
  } as unknown as Pod;
}

const healthy = pod('hasura-1', 'hasura', { state: { running: {} } });
const crashing = pod('hasura-2', 'hasura', {
  ready: false,
  restartCount: 6,
  state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } },
  lastState: { terminated: { reason: 'Error', exitCode: 1 } },
});
const oom = pod('towel-1', 'towel', {
  ready: false,
  restartCount: 3,
  state: { waiting: { reason: 'CrashLoopBackOff' } },
  lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
});
const pulling = pod('graphql-1', 'graphql', {
  ready: false,
  state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } },
});
const unschedulable = {
  ...pod('ui-1', 'ui', {}),
  status: {
    phase: 'Pending',
    conditions: [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
      },
    ],
  },
} as unknown as Pod;
const restartedRecently = pod('apollo-1', 'apollo', {
  restartCount: 2,
  state: { running: {} },
  lastState: { terminated: { reason: 'Error', exitCode: 1, finishedAt: '2026-01-01T11:50:00Z' } },
});
const restartedLongAgo = pod('apollo-2', 'apollo', {
  restartCount: 1,
  state: { running: {} },
  lastState: { terminated: { reason: 'Error', exitCode: 1, finishedAt: '2025-12-31T08:00:00Z' } },
});
const finishedJob = pod('create-tenant-1', 'create-tenant', {
  ready: false,
  state: { terminated: { reason: 'Completed', exitCode: 0 } },
});
(finishedJob.status as { phase: string }).phase = 'Succeeded';

function deployment(name: string, available: number, replicas = 1): Workload {
  return {
    kind: 'Deployment',
    metadata: { name, labels: { 'app.kubernetes.io/component': name } },
    spec: { replicas, template: { spec: { containers: [] } } },
    status: { availableReplicas: available },
  };
}

function objects(workloads: Workload[], pods: Pod[]): ReleaseObjects {
  return { workloads, pods, services: [], ingresses: [], forbidden: [] };
}

describe('workloads-available', () => {
  it('passes when every workload has its replicas', () => {
    const result = judgeWorkloads(objects([deployment('hasura', 1)], [healthy]), 'prefect', 'r');
    expect(result).toMatchObject({ status: 'pass' });
    expect(result.message).toBe('all 1 Deployments and StatefulSets are available');
  });

  it('fails naming each waiting workload, with every unready pod explained', () => {
    const result = judgeWorkloads(
      objects([deployment('hasura', 0), deployment('towel', 1)], [crashing, healthy]),
      'prefect',
      'r',
    );
    expect(result.status).toBe('fail');
    expect(result.message).toBe('not available: hasura (0/1)');
    expect(result.details).toEqual([
      'hasura-2: hasura CrashLoopBackOff (back-off 5m0s), 6 restarts',
    ]);
    expect(result.hint).toContain('kubectl get pods -n prefect -l app.kubernetes.io/instance=r');
  });

  it('fails when the release has no workload at all', () => {
    expect(judgeWorkloads(objects([], []), 'prefect', 'r').status).toBe('fail');
  });
});

describe('pod states', () => {
  const all = [healthy, crashing, oom, pulling, unschedulable, restartedRecently, finishedJob];
  const views = containersOf(all);

  it('skips finished Job pods', () => {
    expect(views.map((v) => v.pod)).not.toContain('create-tenant-1');
  });

  it('a crash loop is found, but an out-of-memory one is left to the OOM check', () => {
    expect(crashingContainers(views).map((c) => c.pod)).toEqual(['hasura-2']);
    expect(crashingContainers(containersOf([healthy]))).toEqual([]);
  });

  it('image pull failures name the image and the pull-secret fix', () => {
    const result = judgeImagePull(views, target);
    expect(result.status).toBe('fail');
    expect(result.message).toBe(
      'graphql (pod graphql-1): ImagePullBackOff for prefecthq/graphql:1',
    );
    expect(result.hint).toContain('prefect-server upgrade -n prefect --image-pull-secret NAME');
    expect(judgeImagePull(containersOf([healthy]), target).status).toBe('pass');
  });

  it('an unschedulable pod fails with the scheduler’s words and a fix matching them', () => {
    const result = judgePending(all, target);
    expect(result.status).toBe('fail');
    expect(result.message).toContain("didn't match Pod's node affinity/selector");
    expect(result.hint).toContain('ui.nodeSelector');
    expect(judgePending([healthy], target).status).toBe('pass');
  });

  it.each([
    ['0/3 nodes are available: 3 Insufficient memory.', '--set hasura.resources.requests.memory'],
    ['pod has unbound immediate PersistentVolumeClaims', '--db-storage-class'],
    ['1 node(s) had untolerated taint {dedicated: gpu}', 'hasura.tolerations'],
    ['something new', 'kubectl describe pod'],
  ])('pending because "%s" suggests %s', (message, fix) => {
    expect(pendingHint(message, 'hasura', target)).toContain(fix);
  });

  it('OOMKilled names the limit and how to raise it for that component', () => {
    const result = judgeOom(views, target);
    expect(result.status).toBe('fail');
    expect(result.message).toBe(
      'towel (pod towel-1) was OOMKilled at its 256Mi limit (3 restarts)',
    );
    expect(result.hint).toBe(
      'Raise its memory limit: prefect-server upgrade -n prefect --set towel.resources.limits.memory=1Gi',
    );
    expect(judgeOom(containersOf([healthy]), target).status).toBe('pass');
  });

  it('recent restarts warn; old ones and crash loops do not count here', () => {
    const result = judgeRestarts(views, now, 'prefect');
    expect(result.status).toBe('warn');
    expect(result.message).toBe(
      'apollo (pod apollo-1) restarted 2 times, last 10 min ago (Error 1)',
    );
    expect(result.hint).toBe(
      'See why it stopped: kubectl logs -n prefect apollo-1 -c apollo --previous',
    );
    const old = judgeRestarts(containersOf([restartedLongAgo]), now, 'prefect');
    expect(old).toMatchObject({ status: 'pass', message: '1 restarts, none in the last hour' });
    expect(judgeRestarts(containersOf([healthy]), now, 'prefect').message).toBe('no restarts');
  });
});
