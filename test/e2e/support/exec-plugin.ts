// A kubeconfig for the test cluster whose credentials come from an exec plugin (as EKS, GKE and
// OIDC login tools do): the admin certificate, handed out by a small Node script. Only kubectl
// (and helm) can run such a plugin, so the CLI reaches the API server through kubectl with it.
// With `holdMs`, each call waits that long before answering: a request that is reliably under way.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { kubeconfig } from './cluster.js';

export interface ExecPluginKubeconfig {
  kubeconfig: string;
  /** How many times the plugin has been run so far. */
  calls: () => Promise<number>;
}

export async function execPluginKubeconfig(
  options: { holdMs?: number } = {},
): Promise<ExecPluginKubeconfig> {
  const admin = parse(readFileSync(kubeconfig(), 'utf8'));
  const user = admin.users[0].user;
  const dir = await mkdtemp(join(tmpdir(), 'exec-plugin-'));
  const callsFile = join(dir, 'calls');
  const credential = JSON.stringify({
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    status: {
      clientCertificateData: Buffer.from(user['client-certificate-data'], 'base64').toString(),
      clientKeyData: Buffer.from(user['client-key-data'], 'base64').toString(),
    },
  });
  const plugin = join(dir, 'plugin.mjs');
  await writeFile(
    plugin,
    [
      "import { appendFileSync } from 'node:fs';",
      `appendFileSync(${JSON.stringify(callsFile)}, 'call\\n');`,
      `setTimeout(() => process.stdout.write(${JSON.stringify(credential)}), ${options.holdMs ?? 0});`,
      '',
    ].join('\n'),
  );
  const path = join(dir, 'kubeconfig');
  await writeFile(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: admin.clusters,
      contexts: [{ name: 'plugin', context: { cluster: admin.clusters[0].name, user: 'p' } }],
      'current-context': 'plugin',
      users: [
        {
          name: 'p',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command: process.execPath,
              args: [plugin],
              interactiveMode: 'Never',
            },
          },
        },
      ],
    }),
    { mode: 0o600 },
  );
  return {
    kubeconfig: path,
    calls: async () =>
      (await readFile(callsFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).length,
  };
}
