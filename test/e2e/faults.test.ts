// Faults end in a plain message, the state things were left in and the command that recovers;
// never a stack trace. Tools missing, a kubeconfig that points nowhere, and an API server that dies
// in the middle of an install (on a control plane of this test's own).
import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, startAgain, stopComponent, up } from '../../scripts/cluster.mjs';
import { helms } from '../support/tools.js';
import { cliBin, cliEnv, runCli } from './support/cli.js';

const [h3, h4] = helms() as [ReturnType<typeof helms>[0], ReturnType<typeof helms>[0]];
const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe('missing tools and unreachable clusters', () => {
  it('helm missing from PATH: one line with the cause and the fix, exit 1', async () => {
    const result = await runCli(h3, ['install', '--yes', '-n', 'x'], {
      env: { ...cliEnv(h3), PREFECT_SERVER_HELM: '', PATH: '/usr/bin:/bin' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      'Error: helm was not found on PATH.\nHint: Install helm 3.8+ or 4 (https://helm.sh/docs/intro/install/), or point PREFECT_SERVER_HELM at a helm binary.',
    );
  });

  it('kubectl missing: the same, naming kubectl', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'only-node-'));
    await symlink(process.execPath, join(bin, 'node'));
    const result = await execa(join(bin, 'node'), [cliBin, 'install', '--yes', '-n', 'x'], {
      env: { ...cliEnv(h3), PATH: bin },
      reject: false,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /^Error: kubectl was not found on PATH\.\nHint: .*PREFECT_SERVER_KUBECTL/,
    );
  });

  it('a kubeconfig that points nowhere, and one that does not exist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nowhere-'));
    const nowhere = join(dir, 'kubeconfig');
    await writeFile(
      nowhere,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: nowhere, context: {cluster: c, user: u}}]\ncurrent-context: nowhere\n',
    );
    const unreachable = await runCli(h3, ['install', '--yes', '-n', 'x'], {
      env: cliEnv(h3, { KUBECONFIG: nowhere }),
    });
    expect(unreachable.exitCode).toBe(1);
    expect(unreachable.stdout).toContain('cannot reach context nowhere (https://127.0.0.1:9)');
    expect(unreachable.stderr).toContain('nothing was created');
    noStack(unreachable.stderr);
    const missing = await runCli(h3, ['install', '--yes', '-n', 'x'], {
      env: cliEnv(h3, { KUBECONFIG: join(dir, 'absent') }),
    });
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toContain(`the kubeconfig ${join(dir, 'absent')} does not exist`);
  });
});

describe('the API server dies in the middle of an install', () => {
  let cluster: { dir: string; kubeconfig: string };
  beforeAll(async () => {
    cluster = await up({ log: () => {} });
  }, 180_000);
  afterAll(async () => {
    if (cluster) await down(cluster.dir);
  });

  it('says so plainly, exit 1; once it is back the same command completes', async () => {
    const env = cliEnv(h4, { KUBECONFIG: cluster.kubeconfig });
    const command = ['install', '--yes', '-n', 'faulty', '--create-namespace', '--timeout', '40s'];
    // With kwok stopped no pod becomes ready, so helm is still waiting when the API server goes.
    await stopComponent(cluster.dir, 'kwok');
    const install = execa('node', [cliBin, ...command], { env, reject: false });
    const kubectl = (args: string[]) =>
      execa('kubectl', ['--kubeconfig', cluster.kubeconfig, ...args], { reject: false });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const deployments = await kubectl(['get', 'deployments', '-n', 'faulty', '-o', 'name']);
      if (String(deployments.stdout).includes('prefect-server-apollo')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await stopComponent(cluster.dir, 'apiserver');
    const failed = await install;
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toMatch(/helm could not finish the install/);
    expect(failed.stderr).toMatch(/To recover: run the same install command again/);
    noStack(failed.stderr);

    await startAgain(cluster.dir, 'apiserver');
    // After a long outage the controllers' watches back off for over a minute before they list
    // again (measured: 78 s after 45 s down); restarting them keeps the test short.
    for (const component of ['controllerManager', 'scheduler']) {
      await stopComponent(cluster.dir, component);
      await startAgain(cluster.dir, component);
    }
    await startAgain(cluster.dir, 'kwok');
    const rerun = await execa('node', [cliBin, ...command], { env, reject: false });
    expect(rerun.exitCode, String(rerun.stderr)).toBe(0);
    expect(rerun.stdout).toMatch(
      /Replacing the unfinished install of prefect-server \((pending-install|failed)\)/,
    );
    const list = await execa(h4.path, [
      'list',
      '-n',
      'faulty',
      '-o',
      'json',
      '--kubeconfig',
      cluster.kubeconfig,
    ]);
    expect(JSON.parse(String(list.stdout))[0].status).toBe('deployed');
  });
});
