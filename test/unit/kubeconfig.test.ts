// The kubeconfig reader that lets preflight talk to the API server without starting kubectl:
// kubectl's file order and merge rule, relative paths, and every case it must hand back to kubectl.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  kubeconfigContext,
  kubeconfigFiles,
  resolveConnection,
} from '../../src/tools/kubeconfig.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubeconfig-'));
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('kubeconfigFiles', () => {
  it('--kubeconfig wins, then $KUBECONFIG split on ":", then ~/.kube/config', () => {
    expect(kubeconfigFiles({ kubeconfig: '/a' }, { KUBECONFIG: '/b:/c' })).toEqual(['/a']);
    expect(kubeconfigFiles({}, { KUBECONFIG: '/b::/c' })).toEqual(['/b', '/c']);
    expect(kubeconfigFiles({}, {})[0]).toMatch(/\.kube\/config$/);
  });
});

describe('resolveConnection', () => {
  it('reads server, CA, client certificate and key of the current context', async () => {
    const path = await file(
      'certs.yaml',
      `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c1
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: ${b64('CA')}
users:
- name: u1
  user:
    client-certificate-data: ${b64('CERT')}
    client-key: key.pem
contexts:
- name: dev
  context: {cluster: c1, user: u1}
`,
    );
    await file('key.pem', 'KEY');
    const connection = resolveConnection({ kubeconfig: path }, {});
    expect(connection).toMatchObject({
      kind: 'direct',
      context: 'dev',
      server: 'https://127.0.0.1:6443',
      insecure: false,
    });
    if (connection.kind !== 'direct') throw new Error('unreachable');
    expect(connection.ca?.toString()).toBe('CA');
    expect(connection.cert?.toString()).toBe('CERT');
    // A relative path is relative to the kubeconfig that names it.
    expect(connection.key?.toString()).toBe('KEY');
  });

  it('merges $KUBECONFIG files with the first definition winning, and honours --context', async () => {
    const first = await file(
      'first.yaml',
      `current-context: a
contexts:
- {name: a, context: {cluster: shared, user: tok}}
- {name: b, context: {cluster: other, user: tok}}
clusters:
- {name: shared, cluster: {server: "https://first:1"}}
users:
- {name: tok, user: {token: abc}}
`,
    );
    const second = await file(
      'second.yaml',
      `current-context: b
clusters:
- {name: shared, cluster: {server: "https://second:2"}}
- {name: other, cluster: {server: "https://other:3", insecure-skip-tls-verify: true}}
`,
    );
    const env = { KUBECONFIG: `${first}:${second}` };
    expect(resolveConnection({}, env)).toMatchObject({
      server: 'https://first:1',
      token: 'abc',
    });
    expect(resolveConnection({ context: 'b' }, env)).toMatchObject({
      server: 'https://other:3',
      insecure: true,
    });
  });

  it('hands exec plugins, auth providers, proxies, plain http and broken files back to kubectl', async () => {
    const base = (user: string, server = 'https://h:1') =>
      `current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "${server}"}}]
users: [{name: u, user: ${user}}]
`;
    const cases: [string, string, NodeJS.ProcessEnv, RegExp][] = [
      ['exec', base('{exec: {command: aws}}'), {}, /plugin/],
      ['provider', base('{auth-provider: {name: gcp}}'), {}, /plugin/],
      ['impersonate', base('{token: t, as: admin}'), {}, /impersonates/],
      ['http', base('{}', 'http://h:8080'), {}, /not https/],
      ['proxy', base('{}'), { HTTPS_PROXY: 'http://proxy:3128' }, /HTTPS_PROXY/],
      ['missing-key', base('{client-key: /nonexistent/key.pem}'), {}, /cannot be read/],
      ['no-context', 'clusters: []\n', {}, /no current context/],
    ];
    for (const [name, text, env, reason] of cases) {
      const path = await file(`${name}.yaml`, text);
      const connection = resolveConnection({ kubeconfig: path }, env);
      expect(connection.kind, name).toBe('unsupported');
      if (connection.kind === 'unsupported') expect(connection.reason, name).toMatch(reason);
    }
    expect(resolveConnection({ kubeconfig: join(dir, 'absent.yaml') }, {})).toEqual({
      kind: 'unsupported',
      reason: 'no kubeconfig file',
    });
  });
});

// doctor's "the kube context resolves" reads this instead of starting `kubectl config view`.
describe('kubeconfigContext', () => {
  it("names the context and its cluster, or says why not in kubectl config view's words", async () => {
    const path = await file(
      'contexts.yaml',
      `apiVersion: v1
kind: Config
current-context: dev
clusters: [{name: c1, cluster: {server: https://127.0.0.1:6443}}]
users: [{name: u1, user: {token: t}}]
contexts: [{name: dev, context: {cluster: c1, user: u1}}, {name: bare, context: {user: u1}}]
`,
    );
    expect(kubeconfigContext({ kubeconfig: path }, {})).toEqual({ name: 'dev', cluster: 'c1' });
    expect(kubeconfigContext({ kubeconfig: path, context: 'bare' }, {})).toEqual({
      name: 'bare',
      cluster: undefined,
    });
    expect(kubeconfigContext({ kubeconfig: path, context: 'nope' }, {})).toEqual({
      error: 'cannot locate context nope',
    });
    const none = await file('no-current.yaml', 'apiVersion: v1\nkind: Config\nclusters: []\n');
    expect(kubeconfigContext({ kubeconfig: none }, {})).toEqual({
      error: 'current-context must exist in order to minify',
    });
    expect(kubeconfigContext({ kubeconfig: join(dir, 'missing.yaml') }, {})).toEqual({
      error: 'current-context must exist in order to minify',
    });
  });
});
