// `prefect-server connect`, end to end: the real CLI and kubectl port-forward against the test
// cluster, apollo and the UI played by a test double that kwok routes the release's pods to, the
// Prefect client config written into a temporary HOME, and the real Prefect 1 client reading it.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePrefect1 } from '../../scripts/prefect1-client.mjs';
import { helms } from '../support/tools.js';
import { cliBin, cliEnv, repoRoot, runCli } from './support/cli.js';
import { helm, kubectl, kubectlJson } from './support/cluster.js';
import type { FakePrefectServer } from './support/fake-prefect-api.js';
import {
  type ReleaseBehindFakeApi,
  releaseBehindFakeApi,
} from './support/release-behind-fake-api.js';
import { keys, Terminal } from './support/terminal.js';

const [helm3] = helms() as [ReturnType<typeof helms>[0]];
let release: ReleaseBehindFakeApi;
let ns: { name: string };
let fake: FakePrefectServer;

beforeAll(async () => {
  release = await releaseBehindFakeApi(helm3, 'e2e-connect', ['--no-tenant']);
  ns = { name: release.namespace };
  fake = release.fake;
  expect(release.installStderr).toBe('');
});

afterAll(async () => {
  await release?.close();
});

/** A connect that keeps running: its output so far, and waiting for a line in it. */
class RunningCli {
  private text = '';
  readonly child: ResultPromise;

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = execa('node', [cliBin, ...args], { env, reject: false, all: true });
    this.child.all?.on('data', (chunk: Buffer) => {
      this.text += String(chunk);
    });
  }

  get output(): string {
    return this.text;
  }

  async waitFor(pattern: RegExp, from = 0, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = this.text.slice(from).match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null && this.child.exitCode !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`connect never printed ${pattern}; it printed:\n${this.text}`);
  }

  /** Ctrl-C, and the exit code. */
  async interrupt(): Promise<number | undefined> {
    this.child.kill('SIGINT');
    const result = await this.child;
    return result.exitCode;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Holds a port as another program would; undefined when someone else already holds it. */
async function occupy(port: number): Promise<Server | undefined> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(3_000) })).ok;
  } catch {
    return false;
  }
}

const temporaries: string[] = [];
afterAll(async () => {
  await Promise.all(temporaries.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temporaries.push(dir);
  return dir;
}

const tempHome = () => tempDir('connect-home-');

const originalConfig =
  '# my own Prefect settings: keep them\n[logging]\nlevel = "DEBUG" # loud while I debug\n';

describe('connect with port-forwards (default ports taken, UI expecting another API URL)', () => {
  let home: string;
  let connect: RunningCli;
  let apiPort: number;
  let uiPort: number;

  beforeAll(async () => {
    home = await tempHome();
    await mkdir(join(home, '.prefect'));
    await writeFile(join(home, '.prefect', 'config.toml'), originalConfig);
    fake.serverUrl = 'http://localhost:4200/graphql';
    // 4200 and 8080 taken, by us or by whoever already holds them: connect must pick others.
    const held = await Promise.all([occupy(4200), occupy(8080)]);
    try {
      connect = new RunningCli(['connect', '-n', ns.name], cliEnv(helm3, { HOME: home }));
      await connect.waitFor(/Keeping both port-forwards open/);
    } finally {
      for (const server of held) server?.close();
    }
    const forwarding = connect.output.match(
      /Forwarding localhost:(\d+) to svc\/prefect-server-apollo:4200 in \S+, localhost:(\d+) to svc\/prefect-server-ui:8080/,
    );
    expect(forwarding, connect.output).not.toBeNull();
    apiPort = Number(forwarding?.[1]);
    uiPort = Number(forwarding?.[2]);
  });

  afterAll(() => {
    connect?.child.kill('SIGKILL');
  });

  it('picks free ports and says so, and forwards both to the release', async () => {
    expect(apiPort).not.toBe(4200);
    expect(uiPort).not.toBe(8080);
    expect(connect.output).toContain(
      `port 4200 is in use, so the API gets another free port: localhost:${apiPort}`,
    );
    expect(connect.output).toContain(
      `port 8080 is in use, so the UI gets another free port: localhost:${uiPort}`,
    );
    expect(await answers(`http://127.0.0.1:${apiPort}/.well-known/apollo/server-health`)).toBe(
      true,
    );
    const settings = await fetch(`http://127.0.0.1:${uiPort}/settings.json`);
    expect(await settings.json()).toEqual({ server_url: 'http://localhost:4200/graphql' });
  });

  it('checks apollo’s health and flags the UI’s server_url, with the upgrade that fixes it', () => {
    expect(connect.output).toContain('✓ apollo answers its health check');
    expect(connect.output).toContain(
      `The UI will not reach the API: its /settings.json gives browsers server_url http://localhost:4200/graphql, but the API is at http://localhost:${apiPort}/graphql.`,
    );
    expect(connect.output).toContain(
      `Fix: prefect-server upgrade -n ${ns.name} --api-url http://localhost:${apiPort}/graphql`,
    );
    expect(connect.output).toContain(`Or:  prefect-server connect -n ${ns.name} --api-port 4200`);
    expect(connect.output).toMatch(/UI: {6}http:\/\/localhost:\d+\/\n/);
    expect(connect.output).toContain(`API:     http://localhost:${apiPort}/graphql`);
    expect(connect.output).toContain('Tenants: none yet; the dashboard stays blank');
  });

  it('merges the client config, keeping the user’s key and comment, backing up the original once', async () => {
    const config = await readFile(join(home, '.prefect', 'config.toml'), 'utf8');
    expect(config).toBe(
      `${originalConfig}\n[server]\nhost = "http://localhost"\nport = "${apiPort}"\n\n[server.ui]\napollo_url = "http://localhost:${apiPort}/graphql"\n`,
    );
    expect(await readFile(join(home, '.prefect', 'backend.toml'), 'utf8')).toBe(
      'backend = "server"\n',
    );
    expect(
      await readFile(join(home, '.prefect', 'config.toml.before-prefect-server'), 'utf8'),
    ).toBe(originalConfig);
    expect(connect.output).toContain(
      `✓ ~/.prefect/config.toml: the Prefect client points at http://localhost:${apiPort}, your other settings kept; the previous file is saved as ~/.prefect/config.toml.before-prefect-server`,
    );
    expect(connect.output).toContain('✓ created ~/.prefect/backend.toml: backend = "server"');
  });

  it('survives apollo going away once: the forward drops, reconnects, and carries traffic again', async () => {
    const from = connect.output.length;
    await fake.stopApi();
    try {
      // A request through the forward is what makes kubectl notice (as a browser's would).
      expect(await answers(`http://127.0.0.1:${apiPort}/.well-known/apollo/server-health`)).toBe(
        false,
      );
      await connect.waitFor(/API port-forward dropped: .+; reconnecting in \d+ s/, from, 20_000);
    } finally {
      await fake.startApi();
    }
    await connect.waitFor(
      new RegExp(`✓ API port-forward reconnected on localhost:${apiPort}`),
      from,
      60_000,
    );
    expect(await answers(`http://127.0.0.1:${apiPort}/.well-known/apollo/server-health`)).toBe(
      true,
    );
  });

  const prefect1 = ensurePrefect1();
  if (!prefect1.ok) {
    console.warn(`Skipping the Prefect 1 client test: ${prefect1.reason}`);
  }

  it.skipIf(!prefect1.ok)(
    'the real Prefect 1.4.1 client resolves the forwarded API from the written config and creates a tenant through it',
    async () => {
      if (!prefect1.ok) return;
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([k]) => !k.startsWith('PREFECT__')),
      );
      const run = promisify(execFile);
      const resolved = await run(
        prefect1.python,
        [
          '-c',
          [
            'import json, prefect',
            'from prefect.client import Client',
            'c = prefect.config',
            "print(json.dumps({'version': prefect.__version__, 'backend': c.backend, 'api': Client().api_server, 'apollo_url': c.server.ui.apollo_url, 'logging_level': c.logging.level}))",
          ].join('\n'),
        ],
        { env: { ...env, HOME: home }, timeout: 60_000 },
      );
      expect(JSON.parse(resolved.stdout)).toEqual({
        version: '1.4.1',
        backend: 'server',
        api: `http://localhost:${apiPort}`,
        apollo_url: `http://localhost:${apiPort}/graphql`,
        logging_level: 'DEBUG',
      });

      const create = () =>
        run(
          prefect1.prefect,
          ['server', 'create-tenant', '--name', 'Python client', '--slug', 'python-client'],
          { env: { ...env, HOME: home }, timeout: 60_000 },
        ).then(
          (r) => ({ code: 0, output: r.stdout + r.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            code: e.code,
            output: e.stdout + e.stderr,
          }),
        );
      const first = await create();
      expect(first.output).toMatch(/Tenant created with ID: [0-9a-f-]{36}/);
      expect(fake.tenants.map((t) => t.slug)).toContain('python-client');
      // What the chart's create-tenant Job greps for to call a second run a success.
      const second = await create();
      expect(second.code).not.toBe(0);
      expect(second.output).toContain('Uniqueness violation');
    },
  );

  it('stops both forwards on Ctrl-C and exits 130', async () => {
    expect(await connect.interrupt()).toBe(130);
    expect(connect.output).toContain('Interrupted (SIGINT): both port-forwards are stopped.');
    expect(await answers(`http://127.0.0.1:${apiPort}/.well-known/apollo/server-health`)).toBe(
      false,
    );
    expect(await answers(`http://127.0.0.1:${uiPort}/settings.json`)).toBe(false);
  });
});

describe('connect with chosen ports, a matching UI, --no-config and --open', () => {
  it('says the UI reaches the API, leaves ~/.prefect alone, opens the UI, and stops on Ctrl-C in a terminal', async () => {
    const [apiPort, uiPort] = [await freePort(), await freePort()];
    fake.serverUrl = `http://localhost:${apiPort}/graphql`;
    const home = await tempHome();
    // A stand-in browser opener on PATH records what it was asked to open.
    const bin = await tempDir('connect-bin-');
    await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\necho "$@" > "${bin}/opened"\n`);
    await chmod(join(bin, 'xdg-open'), 0o755);
    // In a real terminal, so Ctrl-C reaches kubectl too, as it does in a user's shell.
    const terminal = new Terminal(
      [
        'node',
        cliBin,
        'connect',
        '-n',
        ns.name,
        '--api-port',
        String(apiPort),
        '--ui-port',
        String(uiPort),
        '--no-config',
        '--open',
      ],
      cliEnv(helm3, { HOME: home, PATH: `${bin}:${process.env.PATH}` }),
    );
    try {
      await terminal.waitFor('press Ctrl-C to stop');
      const screen = terminal.screen;
      expect(screen).toContain(
        `✓ the UI sends browsers to http://localhost:${apiPort}/graphql (server_url in /settings.json)`,
      );
      expect(screen).not.toContain('in use');
      expect(screen).not.toContain('will not reach');
      expect(screen).toContain('~/.prefect left as it is (--no-config).');
      expect(screen).toContain(`Opened http://localhost:${uiPort}/ in your browser.`);
      expect((await readFile(join(bin, 'opened'), 'utf8')).trim()).toBe(
        `http://localhost:${uiPort}/`,
      );
      await expect(stat(join(home, '.prefect'))).rejects.toThrow(/ENOENT/);
    } finally {
      terminal.type(keys.ctrlC);
    }
    expect(await terminal.exitCode()).toBe(130);
    expect(terminal.screen).toContain('Interrupted (SIGINT): both port-forwards are stopped.');
    // kubectl got the Ctrl-C as well: that is a stop, not a drop to reconnect.
    expect(terminal.screen).not.toContain('dropped');
    expect(await answers(`http://127.0.0.1:${apiPort}/.well-known/apollo/server-health`)).toBe(
      false,
    );
  });

  it('refuses a chosen port that is taken and a missing release (exit 1), bad ports (exit 2), before forwarding', async () => {
    const held = await occupy(await freePort());
    if (!held) throw new Error('could not hold a free port');
    const port = (held.address() as { port: number }).port;
    try {
      const taken = await runCli(helm3, ['connect', '-n', ns.name, '--api-port', String(port)]);
      expect(taken.exitCode).toBe(1);
      expect(taken.stderr).toContain(
        `--api-port ${port}: another program is listening on that port.`,
      );
    } finally {
      held.close();
    }
    const same = await runCli(helm3, ['connect', '--api-port', '9000', '--ui-port', '9000']);
    expect(same.exitCode).toBe(2);
    expect(same.stderr).toContain('--api-port and --ui-port are both 9000');
    const bad = await runCli(helm3, ['connect', '--ui-port', 'http']);
    expect(bad.exitCode).toBe(2);
    const badNamespace = await runCli(helm3, ['connect', '-n', 'Not_A_Namespace']);
    expect(badNamespace.exitCode).toBe(2);
    const missing = await runCli(helm3, ['connect', '-n', ns.name, '--release', 'nope']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain(
      `Error: No apollo and ui Service of release nope in namespace ${ns.name}`,
    );
  });

  it('--print-config prints the client configuration and nothing else', async () => {
    const result = await runCli(helm3, ['connect', '--print-config', '--api-port', '14200']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      '# ~/.prefect/backend.toml\nbackend = "server"\n\n# ~/.prefect/config.toml (merged: only these keys change)\n[server]\nhost = "http://localhost"\nport = "14200"\n\n[server.ui]\napollo_url = "http://localhost:14200/graphql"',
    );
  });
});

describe('connect --external with LoadBalancer Services', () => {
  const release = 'lb';

  beforeAll(async () => {
    // helm directly, without --wait: helm would wait for load balancer addresses that no
    // controller hands out here. Service ports equal the double's own ports, so the address the
    // test sets later (127.0.0.1) lands straight on it.
    await helm(helm3.path, [
      'install',
      release,
      join(repoRoot, 'chart'),
      '-n',
      ns.name,
      '--set',
      'apollo.service.type=LoadBalancer',
      '--set',
      'ui.service.type=LoadBalancer',
      '--set',
      `apollo.service.port=${fake.apiPort}`,
      '--set',
      `ui.service.port=${fake.uiPort}`,
      '--set',
      `ui.apolloApiUrl=http://127.0.0.1:${fake.apiPort}/graphql`,
    ]);
  });

  it('waits for a pending load balancer, then gives up at --timeout with exit 1', async () => {
    const started = Date.now();
    const result = await runCli(helm3, [
      'connect',
      '-n',
      ns.name,
      '--release',
      release,
      '--external',
      '--timeout',
      '3s',
    ]);
    expect(result.exitCode).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    expect(result.stdout).toContain('Waiting for an external address of LoadBalancer Service');
    expect(result.stderr).toMatch(
      /Error: LoadBalancer Service lb-apollo and LoadBalancer Service lb-ui got no external address within 3 s: the load balancer is still pending\./,
    );
  });

  it('uses the load balancer address once it has one, and writes the config for it', async () => {
    const services = await kubectlJson([
      'get',
      'services',
      '-n',
      ns.name,
      '-l',
      `app.kubernetes.io/instance=${release}`,
    ]);
    for (const service of services.items as {
      metadata: { name: string };
      spec: { type: string };
    }[]) {
      if (service.spec.type !== 'LoadBalancer') continue;
      await kubectl([
        'patch',
        'service',
        service.metadata.name,
        '-n',
        ns.name,
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } }),
      ]);
    }
    fake.serverUrl = `http://127.0.0.1:${fake.apiPort}/graphql`;
    const home = await tempHome();
    const result = await runCli(
      helm3,
      ['connect', '-n', ns.name, '--release', release, '--external'],
      { env: cliEnv(helm3, { HOME: home }) },
    );
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('✓ apollo answers its health check');
    expect(result.stdout).toContain(
      `✓ the UI sends browsers to http://127.0.0.1:${fake.apiPort}/graphql`,
    );
    expect(result.stdout).toContain(`UI:      http://127.0.0.1:${fake.uiPort}/`);
    expect(await readFile(join(home, '.prefect', 'config.toml'), 'utf8')).toContain(
      `[server]\nhost = "http://127.0.0.1"\nport = "${fake.apiPort}"\n`,
    );
  });
});
