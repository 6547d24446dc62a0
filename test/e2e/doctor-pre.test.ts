// `prefect-server doctor --pre` before an install, a cluster that does not answer, a context that
// does not exist, and bad input: the real CLI against the real API server (or a closed port).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/cluster.mjs';
import { helms } from '../support/tools.js';
import { cliEnv, runCli } from './support/cli.js';
import { createNamespace, kubeconfig, kubectl } from './support/cluster.js';

const [helm3] = helms();
if (!helm3) throw new Error('no helm to test with');

interface CheckJson {
  id: string;
  category: string;
  status: 'pass' | 'warn' | 'fail';
  message: string;
  hint: string | null;
}

let ns: { name: string; remove: () => Promise<void> };
let dir: string;

async function doctor(args: string[], env: Record<string, string> = {}) {
  const started = Date.now();
  const result = await runCli(helm3 as NonNullable<typeof helm3>, ['doctor', ...args], {
    env: cliEnv(helm3 as NonNullable<typeof helm3>, env),
  });
  return {
    exitCode: result.exitCode,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    seconds: (Date.now() - started) / 1000,
  };
}

async function doctorJson(args: string[], env: Record<string, string> = {}) {
  const result = await doctor([...args, '--output', 'json'], env);
  const json = JSON.parse(result.stdout) as {
    schemaVersion: number;
    ok: boolean;
    checks: CheckJson[];
  };
  const check = (id: string) => {
    const found = json.checks.find((c) => c.id === id);
    if (!found) throw new Error(`no check ${id}`);
    return found;
  };
  return { ...result, json, check };
}

/** A kubeconfig for the test cluster's API server with a ServiceAccount's token. */
async function kubeconfigFor(account: string, namespace: string): Promise<string> {
  const token = String(
    (await kubectl(['create', 'token', account, '-n', namespace])).stdout,
  ).trim();
  const admin = readFileSync(kubeconfig(), 'utf8');
  const server = admin.match(/server: (\S+)/)?.[1];
  const ca = admin.match(/certificate-authority-data: (\S+)/)?.[1];
  const file = join(dir, `${account}-kubeconfig`);
  await writeFile(
    file,
    `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: ${server}, certificate-authority-data: ${ca}}}]\nusers: [{name: u, user: {token: ${token}}}]\ncontexts: [{name: ${account}, context: {cluster: c, user: u, namespace: ${namespace}}}]\ncurrent-context: ${account}\n`,
    { mode: 0o600 },
  );
  return file;
}

beforeAll(async () => {
  ns = await createNamespace('e2e-doctor-pre');
  dir = await mkdtemp(join(tmpdir(), 'doctor-pre-'));
});

afterAll(async () => {
  await ns?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('doctor --pre', () => {
  it('an admin and a namespace to be created: tools, cluster and permissions, exit 0', async () => {
    const fresh = `e2e-doctor-new-${randomBytes(3).toString('hex')}`;
    const { exitCode, json, check } = await doctorJson(['--pre', '-n', fresh]);
    expect(exitCode).toBe(0);
    expect(json.ok).toBe(true);
    expect([...new Set(json.checks.map((c) => c.category))]).toEqual([
      'tools',
      'cluster',
      'permissions',
    ]);
    for (const id of [
      'tools-helm',
      'tools-kubectl',
      'cluster-context',
      'cluster-reachable',
      'cluster-version',
      'permissions-create',
    ])
      expect(check(id).status, id).toBe('pass');
    expect(check('cluster-namespace')).toMatchObject({
      status: 'warn',
      hint: `install creates it with --create-namespace: prefect-server install -n ${fresh} --create-namespace`,
    });
    expect(check('cluster-storage-class')).toMatchObject({
      status: 'pass',
      message: 'the default StorageClass is standard',
    });
    expect(['pass', 'warn']).toContain(check('cluster-ingress-class').status);
  });

  it('a helm older than 3.8 and a missing gpg: the first fails, the second only warns', async () => {
    const oldHelm = join(dir, 'helm-3.7');
    await writeFile(oldHelm, '#!/bin/sh\necho v3.7.2\n', { mode: 0o755 });
    const { exitCode, check } = await doctorJson(['--pre', '-n', ns.name, '--category', 'tools'], {
      PREFECT_SERVER_HELM: oldHelm,
      PREFECT_SERVER_GPG: join(dir, 'no-gpg-here'),
    });
    expect(exitCode).toBe(1);
    expect(check('tools-helm')).toMatchObject({
      status: 'fail',
      message: 'helm v3.7.2 is too old: 3.8 or newer, or 4, is needed',
    });
    expect(check('tools-gpg')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('It is needed only to verify signed charts (--verify).'),
    });
  });

  it('a user who may only view the namespace: permissions fail with the rolebinding to ask for', async () => {
    await kubectl(['create', 'serviceaccount', 'viewer', '-n', ns.name]);
    await kubectl([
      'create',
      'rolebinding',
      'viewer-view',
      '--clusterrole=view',
      `--serviceaccount=${ns.name}:viewer`,
      '-n',
      ns.name,
    ]);
    const restricted = await kubeconfigFor('viewer', ns.name);
    const text = await doctor(['--pre', '-n', ns.name], { KUBECONFIG: restricted });
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain(
      `✗ you may create every kind of object the chart creates: you may not create deployments.apps, services, secrets, configmaps, serviceaccounts, statefulsets.apps in namespace ${ns.name}`,
    );
    expect(text.stdout).toContain(
      `kubectl create rolebinding prefect-admin --clusterrole=admin --user=YOU -n ${ns.name}`,
    );
    // Cluster-wide lists a namespace viewer may not read are warnings that say why.
    expect(text.stdout).toContain(
      '! a StorageClass can hold the database volume: cannot run: you may not list StorageClasses',
    );
    expect(text.stderr).toBe('Error: 1 of 11 checks failed: permissions-create');
  });
});

describe('doctor where there is no release', () => {
  it('says so once, with the install command; the checks of the release are skipped', async () => {
    const { exitCode, json, check } = await doctorJson(['-n', ns.name]);
    expect(exitCode).toBe(1);
    expect(check('release-exists')).toMatchObject({
      status: 'fail',
      message: `no release prefect-server in namespace ${ns.name}`,
      hint: expect.stringContaining(`prefect-server install -n ${ns.name}`),
    });
    expect(json.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual([
      'release-exists',
    ]);
    for (const id of [
      'workloads-available',
      'pods-crash-loop',
      'database-login',
      'api-health',
      'agent-ready',
      'exposure-load-balancer',
    ])
      expect(check(id), id).toMatchObject({
        status: 'warn',
        message: `skipped: there is no release prefect-server in ${ns.name}`,
      });
    expect(check('permissions-create').status).toBe('pass');
  });
});

describe('a cluster doctor cannot use', () => {
  it('an API server that does not answer: the reachability check fails quickly, the rest say they were skipped', async () => {
    const port = await freePort();
    const file = join(dir, 'unreachable-kubeconfig');
    await writeFile(
      file,
      `apiVersion: v1\nkind: Config\nclusters: [{name: gone, cluster: {server: https://127.0.0.1:${port}, insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: gone, context: {cluster: gone, user: u}}]\ncurrent-context: gone\n`,
      { mode: 0o600 },
    );
    const { exitCode, json, check, seconds } = await doctorJson(['-n', 'prefect'], {
      KUBECONFIG: file,
    });
    expect(exitCode).toBe(1);
    expect(seconds).toBeLessThan(20);
    expect(check('cluster-reachable')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(
        /^cannot reach the API server: The connection to the server 127\.0\.0\.1:\d+ was refused/,
      ),
      hint: 'Check the cluster and your credentials: kubectl cluster-info',
    });
    expect(check('cluster-context').status).toBe('pass');
    const rest = json.checks.filter(
      (c) => !c.id.startsWith('tools-') && !['cluster-reachable', 'cluster-context'].includes(c.id),
    );
    for (const c of rest)
      expect(c, c.id).toMatchObject({
        status: 'warn',
        message: 'skipped: the cluster is not reachable',
      });
    expect(json.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual([
      'cluster-reachable',
    ]);
  });

  it('a context that is not in the kubeconfig is named', async () => {
    const { exitCode, check } = await doctorJson(
      ['--pre', '-n', 'prefect', '--context', 'no-such-context'],
      {
        KUBECONFIG: kubeconfig(),
      },
    );
    expect(exitCode).toBe(1);
    expect(check('cluster-context')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('context no-such-context is not in the kubeconfig'),
      hint: 'List the contexts with: kubectl config get-contexts',
    });
  });
});

describe('bad input: exit 2 before anything runs', () => {
  it.each([
    [['--category', 'databse'], /--category: unknown category "databse"/],
    [['--pre', '--category', 'database'], /--category database has no checks with --pre/],
    [['--database-url', 'mysql://u@h/db'], /--database-url must start with postgresql:\/\//],
    [['-n', 'Not_A_Namespace'], /--namespace: Namespace "Not_A_Namespace"/],
    [['--address-grace', 'soon'], /--address-grace must be a whole number of seconds/],
    [['--output', 'yaml'], /argument 'yaml' is invalid/],
  ])('%j', async (args, message) => {
    const result = await doctor(args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});
