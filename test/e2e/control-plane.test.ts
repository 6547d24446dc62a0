// The test cluster itself: what later e2e tests rely on, shown on the real API server.
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helms, kubectlPath } from '../support/tools.js';
import {
  createNamespace,
  eventually,
  helm,
  kubeconfig,
  kubectl,
  kubectlJson,
} from './support/cluster.js';

let ns: { name: string; remove: () => Promise<void> };

beforeAll(async () => {
  // The control plane's own pods run images that can never be pulled, on purpose: kwok runs
  // them anyway, which is what is tested here.
  ns = await createNamespace('e2e-control-plane', {
    extraImages: ['example.invalid/never-pulled:1', 'example.invalid/job:1'],
  });
});
afterAll(async () => {
  await ns.remove();
});

const apply = (manifest: string, extra: string[] = []) =>
  kubectl(['apply', '-n', ns.name, ...extra, '-f', '-'], { input: manifest, reject: false });

function deployment(name: string, labels: Record<string, string> = {}): string {
  const podLabels = { app: name, ...labels };
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: podLabels },
        spec: {
          containers: [
            {
              name: 'main',
              image: 'example.invalid/never-pulled:1',
              ports: [{ containerPort: 8080 }],
            },
          ],
        },
      },
    },
  });
}

describe('the API server validates for real', () => {
  it('refuses an unknown field with strict validation', async () => {
    const manifest = deployment('strict').replace('"replicas":1', '"replicas":1,"replicaz":2');
    const result = await apply(manifest, ['--validate=strict']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/unknown field "spec.replicaz"/);
  });

  it('refuses a wrong type', async () => {
    const manifest = deployment('wrong-type').replace('"replicas":1', '"replicas":"two"');
    const result = await apply(manifest);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/replicas/);
  });

  it.each(helms())(
    'refuses, through $label install, a Service whose port is out of range',
    async (h) => {
      const chart = await mkdtemp(join(tmpdir(), 'bad-port-chart-'));
      await writeFile(
        join(chart, 'Chart.yaml'),
        'apiVersion: v2\nname: bad-port\nversion: 0.1.0\n',
      );
      await execa('mkdir', [join(chart, 'templates')]);
      await writeFile(
        join(chart, 'templates', 'service.yaml'),
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: bad-port\nspec:\n  ports:\n  - port: 70000\n',
      );
      const result = await helm(h.path, ['install', `bad-port-${h.label}`, chart, '-n', ns.name], {
        reject: false,
      });
      expect(result.exitCode).not.toBe(0);
      // The API server's own words, which no client-side schema check produces.
      expect(result.stderr).toMatch(
        /spec\.ports\[0\]\.port: Invalid value: 70000: must be between 1 and 65535, inclusive/,
      );
    },
  );
});

describe('kwok plays the kubelet', () => {
  it('schedules pods onto the fake node and makes a Deployment Available', async () => {
    expect((await apply(deployment('web'))).exitCode).toBe(0);
    await kubectl(['rollout', 'status', 'deployment/web', '-n', ns.name, '--timeout=60s']);
    const pods = await kubectlJson(['get', 'pods', '-n', ns.name, '-l', 'app=web']);
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0].spec.nodeName).toBe('kwok-node-0');
    expect(pods.items[0].status.phase).toBe('Running');
  });

  it('runs a Job to completion', async () => {
    await kubectl(['create', 'job', 'once', '-n', ns.name, '--image=example.invalid/job:1']);
    const result = await kubectl([
      'wait',
      '--for=condition=complete',
      'job/once',
      '-n',
      ns.name,
      '--timeout=60s',
    ]);
    expect(result.stdout).toMatch(/condition met/);
  });

  it.each([
    ['CrashLoopBackOff', 'CrashLoopBackOff'],
    ['ImagePullBackOff', 'ImagePullBackOff'],
    ['OOMKilled', 'CrashLoopBackOff'],
  ])('puts a pod labelled %s into that state', async (state, waitingReason) => {
    const name = `state-${state.toLowerCase()}`;
    await apply(deployment(name, { 'test.prefect-server-install/state': state }));
    const pod = await eventually(`${state} pod`, async () => {
      const pods = await kubectlJson(['get', 'pods', '-n', ns.name, '-l', `app=${name}`]);
      const status = pods.items[0]?.status?.containerStatuses?.[0];
      return status?.state?.waiting ? pods.items[0] : undefined;
    });
    const container = pod.status.containerStatuses[0];
    expect(container.state.waiting.reason).toBe(waitingReason);
    expect(container.ready).toBe(false);
    if (state === 'OOMKilled') expect(container.lastState.terminated.reason).toBe('OOMKilled');
  });

  it('leaves a running but not ready pod unready, so its Deployment is not Available', async () => {
    await apply(deployment('unready', { 'test.prefect-server-install/state': 'NotReady' }));
    const result = await kubectl(
      ['rollout', 'status', 'deployment/unready', '-n', ns.name, '--timeout=5s'],
      {
        reject: false,
      },
    );
    expect(result.exitCode).not.toBe(0);
    const pods = await kubectlJson(['get', 'pods', '-n', ns.name, '-l', 'app=unready']);
    expect(pods.items[0].status.phase).toBe('Running');
    expect(pods.items[0].status.containerStatuses[0].ready).toBe(false);
  });

  it('keeps an unschedulable pod Pending with the real scheduler’s reason', async () => {
    const manifest = JSON.parse(deployment('unschedulable'));
    manifest.spec.template.spec.nodeSelector = { 'no-such-label': 'anywhere' };
    await apply(JSON.stringify(manifest));
    const condition = await eventually('PodScheduled=False', async () => {
      const pods = await kubectlJson(['get', 'pods', '-n', ns.name, '-l', 'app=unschedulable']);
      return pods.items[0]?.status?.conditions?.find(
        (c: { type: string; status: string }) => c.type === 'PodScheduled' && c.status === 'False',
      );
    });
    expect(condition.reason).toBe('Unschedulable');
    expect(condition.message).toMatch(/didn't match Pod's node affinity\/selector/);
  });
});

describe('port-forwarding reaches a process the test chooses', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(`hello from the test process, you asked for ${req.url}`);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.close();
  });

  it('kubectl port-forward svc/... lands on the local server', async () => {
    await apply(deployment('forwarded'));
    await kubectl(['rollout', 'status', 'deployment/forwarded', '-n', ns.name, '--timeout=60s']);
    await kubectl([
      'expose',
      'deployment/forwarded',
      '-n',
      ns.name,
      '--port=80',
      '--target-port=8080',
    ]);
    // Tell kwok where port 8080 of this Deployment's pods really is.
    const forward = {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterPortForward',
      metadata: { name: `${ns.name}-forwarded` },
      spec: {
        selector: { matchNamespaces: [ns.name] },
        forwards: [{ ports: [8080], target: { port, address: '127.0.0.1' } }],
      },
    };
    expect((await kubectl(['apply', '-f', '-'], { input: JSON.stringify(forward) })).exitCode).toBe(
      0,
    );

    const child = execa(kubectlPath(), [
      '--kubeconfig',
      kubeconfig(),
      'port-forward',
      '-n',
      ns.name,
      'svc/forwarded',
      ':80',
    ]);
    try {
      const localPort = await new Promise<number>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          const match = String(chunk).match(/Forwarding from 127\.0\.0\.1:(\d+)/);
          if (match) resolve(Number(match[1]));
        });
        child.catch(reject);
      });
      const body = await eventually(
        'a response through the forward',
        async () => {
          const response = await fetch(`http://127.0.0.1:${localPort}/health`);
          return response.ok ? response.text() : undefined;
        },
        20_000,
      );
      expect(body).toBe('hello from the test process, you asked for /health');
    } finally {
      child.kill();
      await kubectl(['delete', 'clusterportforward', `${ns.name}-forwarded`], { reject: false });
    }
  });
});
