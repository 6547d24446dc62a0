// `install --dry-run` when no cluster answers: the real CLI with real helm 3 and helm 4 renders
// the chart on this machine (`helm template`, same chart and values), prints the plan, the values
// and the helm command, says the cluster was not reached and server-side validation was skipped,
// and exits 0. Two ways of having no cluster: a kubeconfig whose server is a closed port on
// 127.0.0.1, and no kubeconfig at all. Bad input is still exit 2; a real install still stops in
// preflight; upgrade says it needs the cluster. With the test cluster reachable the dry run stays
// server-side.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HelmUnderTest, helms } from '../support/tools.js';
import { cliBin, runCli } from './support/cli.js';
import { createNamespace, kubectl } from './support/cluster.js';

const [helm3, helm4] = helms() as [HelmUnderTest, HelmUnderTest];
let work: string;
let closedKubeconfig: string;
let closedPort: number;
const cleanups: (() => Promise<void>)[] = [];

/** A port on 127.0.0.1 that nothing listens on: bound, then released. */
async function closedLocalPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dry-run-offline-'));
  closedPort = await closedLocalPort();
  closedKubeconfig = join(work, 'closed.kubeconfig');
  await writeFile(
    closedKubeconfig,
    `apiVersion: v1
kind: Config
clusters:
- name: offline
  cluster:
    server: https://127.0.0.1:${closedPort}
    insecure-skip-tls-verify: true
contexts:
- name: offline
  context: {cluster: offline, user: someone}
current-context: offline
users:
- name: someone
  user: {token: not-a-real-token}
`,
  );
});
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

/** The CLI with no cluster: a kubeconfig at a closed port, or (kubeconfig: none) no file at all. */
function offline(h: HelmUnderTest, args: string[], kubeconfig: 'closed' | 'none' = 'closed') {
  const { KUBECONFIG: _k, ...env } = process.env;
  const home = join(work, `home-${Math.random().toString(16).slice(2, 8)}`);
  return execa('node', [cliBin, ...args], {
    env: {
      ...env,
      HOME: home,
      XDG_CACHE_HOME: join(home, '.cache'),
      PREFECT_SERVER_HELM: h.path,
      NO_COLOR: '1',
      CI: '1',
      ...(kubeconfig === 'closed' ? { KUBECONFIG: closedKubeconfig } : {}),
    },
    extendEnv: false,
    reject: false,
  });
}

const ingress = [
  '--expose',
  'ingress',
  '--api-host',
  'api.example.com',
  '--ui-host',
  'ui.example.com',
  '--agent',
];

describe.each([helm3, helm4])('install --dry-run without a cluster, $label', (h) => {
  it('a kubeconfig at a closed port: renders client-side with the same values, exit 0', async () => {
    const result = await offline(h, ['install', '--yes', '--dry-run', '-n', 'prefect', ...ingress]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const out = String(result.stdout);
    expect(out).toContain(
      `! The cluster was not reached (cannot reach context offline (https://127.0.0.1:${closedPort}):`,
    );
    expect(out).toMatch(/connection refused\): this dry run renders the chart on this machine/);
    // The plan, the values, the helm command, as with a cluster.
    expect(out).toMatch(/^Plan$/m);
    expect(out).toContain('apolloApiUrl: http://api.example.com/graphql');
    expect(out).toMatch(
      /helm install prefect-server \S+chart --namespace prefect --values <values.yaml above> --wait --timeout 10m/,
    );
    // helm template rendered what those values ask for: the Ingresses and the agent.
    expect(out).toMatch(/✓ helm template rendered \d+ objects:/);
    expect(out).toMatch(/^ {2}Ingress\/prefect-server-apollo$/m);
    expect(out).toMatch(/^ {2}Ingress\/prefect-server-ui$/m);
    expect(out).toMatch(/^ {2}Deployment\/prefect-server-agent$/m);
    expect(out).toContain(
      'The cluster was not reached, so server-side validation was skipped: the API server did not check these objects',
    );
    expect(out).not.toContain('The API server accepted');
    expect(out.trimEnd().split('\n').at(-1)).toBe('Dry run: nothing was changed.');
  });

  it('no kubeconfig at all: the same client-side render', async () => {
    const result = await offline(h, ['install', '--yes', '--dry-run', '-n', 'prefect'], 'none');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('! The cluster was not reached (');
    expect(result.stdout).toMatch(/^ {2}Deployment\/prefect-server-apollo$/m);
    expect(result.stdout).not.toMatch(/^ {2}Ingress\//m);
    expect(result.stdout).toContain('server-side validation was skipped');
  });

  it('bad input is still exit 2: a rule, before anything is rendered', async () => {
    const result = await offline(h, ['install', '--yes', '--dry-run', '-n', 'Not_A_Name']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/--namespace: Namespace "Not_A_Name" must consist of/);
    expect(result.stdout).not.toMatch(/^Plan$/m);
  });

  it('a key the chart’s schema does not know: exit 2, naming the key (helm template’s schema check)', async () => {
    const result = await offline(h, [
      'install',
      '--yes',
      '--dry-run',
      '-n',
      'prefect',
      '--set',
      'apollo.service.typo=1',
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /helm could not render the chart: values don't meet the specifications of the schema\(s\) .* additional properties 'typo' not allowed/,
    );
    expect(result.stdout).toContain('✗ helm template refused the chart or the values');
  });

  it('without --dry-run an unreachable cluster still stops the install in preflight (exit 1)', async () => {
    const result = await offline(h, ['install', '--yes', '-n', 'prefect']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/✗ the cluster answers: cannot reach context offline/);
    expect(result.stderr).toContain('1 preflight check failed; nothing was created.');
    expect(result.stdout).not.toContain('helm template');
  });

  it('upgrade --dry-run says it needs the cluster, in a sentence (exit 1)', async () => {
    const result = await offline(h, ['upgrade', '--yes', '--dry-run', '-n', 'prefect', '--agent']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(
        `^Error: The cluster was not reached \\(Get "https://127\\.0\\.0\\.1:${closedPort}/version": dial tcp 127\\.0\\.0\\.1:${closedPort}: connect: connection refused\\)\\. upgrade reads the release's values and history from the cluster, so it cannot go on without it, not even with --dry-run\\. Nothing was changed\\.$`,
        'm',
      ),
    );
    expect(result.stderr).not.toContain('helm failed');
  });
});

describe('install --dry-run with the cluster reachable', () => {
  it('stays a server-side dry run (no client-side render, no "not reached")', async () => {
    const ns = await createNamespace('e2e-dry-online');
    cleanups.push(ns.remove);
    const result = await runCli(helm3, ['install', '--yes', '--dry-run', '-n', ns.name]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('The API server accepted every object.');
    expect(result.stdout).not.toContain('not reached');
    expect(result.stdout).not.toContain('helm template');
    const objects = await kubectl(['get', 'deployments,secrets', '-n', ns.name, '-o', 'name']);
    expect(String(objects.stdout).trim()).toBe('');
  });
});
