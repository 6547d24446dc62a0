// `prefect-server doctor` on a release that went wrong in every way a cluster shows: installed with
// helm (whose --wait then fails, leaving the release "failed"), its pods put by kwok into
// CrashLoopBackOff (with a crash log), ImagePullBackOff and OOMKilled, one left unschedulable by
// the real scheduler, a LoadBalancer nobody provisions, and an Ingress naming an IngressClass that
// does not exist. Then the exposure problems are fixed on the cluster and the checks pass.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { cliEnv, repoRoot, runCli } from './support/cli.js';
import { createNamespace, eventually, helm, kubectl, kubectlJson } from './support/cluster.js';

const [helm3] = helms();
if (!helm3) throw new Error('no helm to test with');

interface CheckJson {
  id: string;
  status: 'pass' | 'warn' | 'fail';
  message: string;
  hint: string | null;
  details: string[];
}

const suffix = randomBytes(3).toString('hex');
const presentClass = `doctor-present-${suffix}`;
const missingClass = `doctor-missing-${suffix}`;
let ns: { name: string; remove: () => Promise<void> };
let dir: string;

const criLog = (lines: string[]) =>
  lines
    .map((line) => `2026-01-01T12:00:00.000000000Z stderr F ${line}`)
    .join('\n')
    .concat('\n');

async function doctorJson(args: string[]) {
  const result = await runCli(
    helm3 as NonNullable<typeof helm3>,
    ['doctor', '-n', ns.name, ...args, '--output', 'json'],
    {
      env: cliEnv(helm3 as NonNullable<typeof helm3>),
    },
  );
  const json = JSON.parse(String(result.stdout)) as {
    schemaVersion: number;
    ok: boolean;
    checks: CheckJson[];
  };
  const check = (id: string) => {
    const found = json.checks.find((c) => c.id === id);
    if (!found) throw new Error(`no check ${id}`);
    return found;
  };
  return { exitCode: result.exitCode, stderr: String(result.stderr), json, check };
}

const podOf = (component: string) =>
  eventually(`the ${component} pod`, async () => {
    const pods = await kubectlJson([
      'get',
      'pods',
      '-n',
      ns.name,
      '-l',
      `app.kubernetes.io/component=${component}`,
    ]);
    return pods.items[0]?.metadata.name as string | undefined;
  });

beforeAll(async () => {
  ns = await createNamespace('e2e-doctor-broken');
  dir = await mkdtemp(join(tmpdir(), 'doctor-broken-'));
  await kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: presentClass },
      spec: { controller: 'example.com/none' },
    }),
  });
  const values = join(dir, 'values.yaml');
  await writeFile(
    values,
    `hasura:
  labels: {test.prefect-server-install/state: CrashLoopBackOff}
graphql:
  labels: {test.prefect-server-install/state: ImagePullBackOff}
towel:
  labels: {test.prefect-server-install/state: OOMKilled}
  resources: {limits: {memory: 64Mi}}
ui:
  nodeSelector: {no-such-label: anywhere}
  ingress: {enabled: true, ingressClassName: ${missingClass}, hosts: [ui.example.com]}
apollo:
  service: {type: LoadBalancer}
  ingress: {enabled: true, ingressClassName: ${presentClass}, hosts: [api.example.com]}
`,
  );
  // What the crashing hasura container wrote before it died: kubectl logs --previous returns it.
  const previous = join(dir, 'hasura-previous.log');
  await writeFile(
    previous,
    criLog([
      '{"type":"startup","detail":{"kind":"serve_options"}}',
      '{"type":"pg-client","detail":"connection error: FATAL:  password authentication failed for user \\"prefect\\""}',
      'graphql-engine: database connection failed',
    ]),
  );
  const install = await helm(
    helm3.path,
    [
      'install',
      'prefect-server',
      join(repoRoot, 'chart'),
      '-n',
      ns.name,
      '-f',
      values,
      '--wait',
      '--timeout',
      '15s',
    ],
    {
      reject: false,
    },
  );
  expect(String(install.stderr)).toMatch(/context deadline exceeded|timed out|failed/);
  const hasuraPod = await podOf('hasura');
  await kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Logs',
      metadata: { name: hasuraPod, namespace: ns.name },
      spec: { logs: [{ containers: ['hasura'], logsFile: previous, previousLogsFile: previous }] },
    }),
  });
  await eventually('the crash log served by kwok', async () => {
    const result = await kubectl(['logs', hasuraPod, '-c', 'hasura', '-n', ns.name, '--previous'], {
      reject: false,
    });
    return String(result.stdout).includes('database connection failed') ? true : undefined;
  });
  // Every bad state is in place before doctor looks.
  await eventually('the pods in their states', async () => {
    const pods = await kubectlJson(['get', 'pods', '-n', ns.name]);
    const waiting = pods.items.filter(
      (p: { status: { containerStatuses?: { state?: { waiting?: unknown } }[] } }) =>
        p.status.containerStatuses?.some((c) => c.state?.waiting),
    );
    return waiting.length >= 3 ? true : undefined;
  });
});

afterAll(async () => {
  await kubectl(['delete', 'ingressclass', presentClass, missingClass, '--ignore-not-found'], {
    reject: false,
  });
  await ns?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('doctor on a broken release', () => {
  it('names every problem with its cause and fix, and exits 1', async () => {
    const { exitCode, check, json } = await doctorJson([]);
    expect(exitCode).toBe(1);
    expect(json.ok).toBe(false);

    const status = check('release-status');
    expect(status.status).toBe('fail');
    expect(status.message).toMatch(/^revision 1 failed/);
    expect(status.hint).toContain(`The first install failed`);
    expect(status.hint).toContain(`prefect-server install -n ${ns.name}`);

    const available = check('workloads-available');
    expect(available.status).toBe('fail');
    for (const name of [
      'prefect-server-hasura',
      'prefect-server-graphql',
      'prefect-server-towel',
      'prefect-server-ui',
    ])
      expect(available.message).toContain(`${name} (0/1)`);
    expect(available.message).not.toContain('prefect-server-apollo');

    const crash = check('pods-crash-loop');
    expect(crash.status).toBe('fail');
    expect(crash.message).toMatch(
      /^hasura \(pod prefect-server-hasura-\S+\): CrashLoopBackOff \(6 restarts, last exit code 1\)$/,
    );
    expect(crash.details[0]).toMatch(
      /^last lines of prefect-server-hasura-\S+\/hasura before it crashed:$/,
    );
    expect(crash.details).toContain('  graphql-engine: database connection failed');
    expect(crash.hint).toMatch(
      /kubectl logs -n \S+ prefect-server-hasura-\S+ -c hasura --previous/,
    );

    const pull = check('pods-image-pull');
    expect(pull.status).toBe('fail');
    expect(pull.message).toMatch(
      /^graphql \(pod prefect-server-graphql-\S+\): ImagePullBackOff for prefecthq\/server:/,
    );

    const pending = check('pods-pending');
    expect(pending.status).toBe('fail');
    expect(pending.message).toMatch(
      /^ui \(pod prefect-server-ui-\S+\) is Pending: 0\/1 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector/,
    );
    expect(pending.hint).toContain('ui.nodeSelector');

    const oom = check('pods-oom-killed');
    expect(oom.status).toBe('fail');
    expect(oom.message).toMatch(
      /^towel \(pod prefect-server-towel-\S+\) was OOMKilled at its 64Mi limit \(3 restarts\)$/,
    );
    expect(oom.hint).toBe(
      `Raise its memory limit: prefect-server upgrade -n ${ns.name} --set towel.resources.limits.memory=1Gi`,
    );

    expect(check('pods-restarts')).toMatchObject({
      status: 'pass',
      message: 'no restarts besides the failing containers above',
    });

    // Young LoadBalancers and Ingresses are given time: a warning, not yet a failure.
    expect(check('exposure-load-balancer')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('LoadBalancer prefect-server-apollo has no address yet'),
    });
    expect(check('exposure-ingress-address').status).toBe('warn');
    expect(check('exposure-ingress-class')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(
        `Ingress prefect-server-ui names IngressClass ${missingClass}, which does not exist`,
      ),
    });

    // What cannot run says why: no process serves the database here.
    expect(check('database-login').status).toBe('warn');
    expect(check('database-login').message).toMatch(/^cannot run: /);
    expect(check('agent-ready')).toMatchObject({
      status: 'pass',
      message: 'the release has no agent (agent.enabled is false)',
    });
  });

  it('after the grace period a LoadBalancer still pending fails: the cluster may have no load balancer', async () => {
    const { check } = await doctorJson(['--category', 'exposure', '--address-grace', '0']);
    const lb = check('exposure-load-balancer');
    expect(lb.status).toBe('fail');
    expect(lb.message).toMatch(
      /^LoadBalancer prefect-server-apollo still has no address after \d+ s: the cluster may have no load balancer$/,
    );
    expect(lb.hint).toContain(`prefect-server connect -n ${ns.name}`);
    expect(check('exposure-ingress-address')).toMatchObject({
      status: 'fail',
      hint: expect.stringContaining('kubectl describe ingress'),
    });
  });

  it('once the IngressClass exists and addresses are assigned, the exposure checks pass', async () => {
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: { name: missingClass },
        spec: { controller: 'example.com/none' },
      }),
    });
    const address = JSON.stringify({
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } },
    });
    await kubectl([
      'patch',
      'service',
      'prefect-server-apollo',
      '-n',
      ns.name,
      '--subresource',
      'status',
      '--type',
      'merge',
      '-p',
      address,
    ]);
    for (const ingress of ['prefect-server-apollo', 'prefect-server-ui'])
      await kubectl([
        'patch',
        'ingress',
        ingress,
        '-n',
        ns.name,
        '--subresource',
        'status',
        '--type',
        'merge',
        '-p',
        address,
      ]);
    const { check, exitCode } = await doctorJson([
      '--category',
      'exposure',
      '--address-grace',
      '0',
    ]);
    expect(exitCode).toBe(0);
    expect(check('exposure-load-balancer')).toMatchObject({
      status: 'pass',
      message: 'prefect-server-apollo at 203.0.113.10',
    });
    expect(check('exposure-ingress-address').status).toBe('pass');
    expect(check('exposure-ingress-class')).toMatchObject({
      status: 'pass',
      message: `IngressClass ${presentClass}, ${missingClass} exists`,
    });
  });
});
