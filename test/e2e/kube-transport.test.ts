// How install reaches the API server: straight from Node for a kubeconfig with certificates or a
// token (no kubectl start at all on a successful install), and through `kubectl --raw` for one
// whose credentials come from an exec plugin, which only kubectl can run. Both on the real API
// server, seen through --debug, which logs every command and request.
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { helms } from '../support/tools.js';
import { cliEnv, runCli } from './support/cli.js';
import { kubeconfig, kubectl } from './support/cluster.js';
import { type ExecPluginKubeconfig, execPluginKubeconfig } from './support/exec-plugin.js';

const [, h4] = helms() as [ReturnType<typeof helms>[0], ReturnType<typeof helms>[0]];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

function freshName(prefix: string): string {
  const name = `${prefix}-${Math.random().toString(16).slice(2, 8)}`;
  cleanups.push(async () => {
    await kubectl(['delete', 'namespace', name, '--wait=false', '--ignore-not-found']);
  });
  return name;
}

const debugLines = (stderr: unknown) =>
  String(stderr)
    .split('\n')
    .filter((l) => l.startsWith('debug: '));

describe('install talks to the API server', () => {
  let plugin: ExecPluginKubeconfig;
  beforeAll(async () => {
    plugin = await execPluginKubeconfig();
  });

  it('with certificates in the kubeconfig: directly, and helm is the only tool started', async () => {
    // A cache of its own: the first command asks helm its version, the next reads it from there.
    const env = cliEnv(h4, { XDG_CACHE_HOME: await mkdtemp(join(tmpdir(), 'xdg-cache-')) });
    const helmStarts = (stderr: unknown) =>
      debugLines(stderr)
        .filter((l) => l.startsWith('debug: $ '))
        .map((l) => l.split(' ').slice(2, 4).join(' '));
    const ns = freshName('e2e-direct');
    const result = await runCli(
      h4,
      ['install', '--yes', '-n', ns, '--create-namespace', '--debug'],
      {
        env,
      },
    );
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const lines = debugLines(result.stderr);
    expect(lines).toContainEqual(
      expect.stringMatching(/^debug: GET https:\/\/127\.0\.0\.1:\d+\/version \(direct\)$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^debug: POST .*\/apis\/authorization\.k8s\.io\/v1\/selfsubjectaccessreviews \(direct\)$/,
      ),
    );
    // No kubectl at all: helm's version, then the install itself.
    expect(helmStarts(result.stderr)).toEqual(['helm version', 'helm install']);

    const second = await runCli(
      h4,
      ['install', '--yes', '-n', freshName('e2e-direct'), '--create-namespace', '--debug'],
      { env },
    );
    expect(second.exitCode, String(second.stderr)).toBe(0);
    expect(helmStarts(second.stderr)).toEqual(['helm install']);
  });

  it('with an exec plugin: through kubectl, which runs the plugin', async () => {
    const ns = freshName('e2e-plugin');
    const result = await runCli(
      h4,
      ['install', '--yes', '-n', ns, '--create-namespace', '--debug'],
      {
        env: cliEnv(h4, { KUBECONFIG: plugin.kubeconfig }),
      },
    );
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const lines = debugLines(result.stderr);
    expect(lines).toContain('debug: GET /version (kubectl)');
    expect(lines).toContainEqual(expect.stringMatching(/^debug: \$ kubectl get --raw \/version$/));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^debug: \$ kubectl create --raw \/apis\/authorization\.k8s\.io\/v1\/selfsubjectaccessreviews -f -$/,
      ),
    );
    expect(await plugin.calls()).toBeGreaterThan(0);
    const pods = await kubectl(['get', 'deployments', '-n', ns, '-o', 'name']);
    expect(String(pods.stdout)).toContain('deployment.apps/prefect-server-apollo');
  });

  it('PREFECT_SERVER_KUBE_TRANSPORT=kubectl keeps kubectl for any kubeconfig', async () => {
    const result = await runCli(h4, ['install', '--dry-run', '--yes', '-n', 'default', '--debug'], {
      env: cliEnv(h4, { PREFECT_SERVER_KUBE_TRANSPORT: 'kubectl' }),
    });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const lines = debugLines(result.stderr);
    expect(lines).toContain('debug: GET /version (kubectl)');
    expect(lines.filter((l) => l.includes('(direct)'))).toEqual([]);
  });

  it('TLS as kubectl does it: a wrong CA is refused with the reason; insecure-skip-tls-verify is honoured', async () => {
    const admin = parse(readFileSync(kubeconfig(), 'utf8'));
    const dir = await mkdtemp(join(tmpdir(), 'tls-'));
    const variant = async (name: string, cluster: Record<string, unknown>) => {
      const path = join(dir, name);
      const config = structuredClone(admin);
      config.clusters[0].cluster = { server: admin.clusters[0].cluster.server, ...cluster };
      await writeFile(path, stringify(config), { mode: 0o600 });
      return path;
    };
    // The client certificate is not the CA that signed the server's certificate.
    const wrongCa = await variant('wrong-ca', {
      'certificate-authority-data': admin.users[0].user['client-certificate-data'],
    });
    const refused = await runCli(h4, ['install', '--yes', '-n', 'default', '--debug'], {
      env: cliEnv(h4, { KUBECONFIG: wrongCa }),
    });
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toMatch(
      /cannot reach context \S+ \(https:\/\/127\.0\.0\.1:\d+\): .*certificate/,
    );
    expect(refused.stderr).toContain('nothing was created');
    expect(debugLines(refused.stderr)).toContainEqual(
      expect.stringMatching(/\/version \(direct\)$/),
    );

    const insecure = await variant('insecure', { 'insecure-skip-tls-verify': true });
    const accepted = await runCli(
      h4,
      ['install', '--dry-run', '--yes', '-n', 'default', '--debug'],
      {
        env: cliEnv(h4, { KUBECONFIG: insecure }),
      },
    );
    expect(accepted.exitCode, String(accepted.stderr)).toBe(0);
    expect(debugLines(accepted.stderr)).toContainEqual(
      expect.stringMatching(/\/version \(direct\)$/),
    );
  });
});
