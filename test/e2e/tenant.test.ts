// `prefect-server tenant create | list`, end to end: the real CLI and kubectl against the test
// cluster, apollo played by a test double that kwok's port-forwarding routes the release's pods to.
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { runCli } from './support/cli.js';
import type { FakePrefectServer } from './support/fake-prefect-api.js';
import {
  type ReleaseBehindFakeApi,
  releaseBehindFakeApi,
} from './support/release-behind-fake-api.js';

const [helm3] = helms() as [ReturnType<typeof helms>[0]];
let release: ReleaseBehindFakeApi;
let ns: { name: string };
let fake: FakePrefectServer;

beforeAll(async () => {
  release = await releaseBehindFakeApi(helm3, 'e2e-tenant', ['--no-tenant']);
  ns = { name: release.namespace };
  fake = release.fake;
  expect(release.installStderr).toBe('');
});

afterAll(async () => {
  await release?.close();
});

const tenantCli = (args: string[]) => runCli(helm3, ['tenant', ...args]);

describe('tenant create through a temporary port-forward', () => {
  it('creates the tenant once; the second run says it already exists and exits 0', async () => {
    const first = await tenantCli(['create', '-n', ns.name]);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(/✓ Created tenant default \(slug default, id [0-9a-f-]{36}\)/);

    const second = await tenantCli(['create', '-n', ns.name]);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain('Tenant default already exists; nothing to do');

    expect(fake.tenants.map((t) => t.slug)).toEqual(['default']);
    const list = await tenantCli(['list', '-n', ns.name, '--output', 'json']);
    expect(list.exitCode).toBe(0);
    expect(JSON.parse(String(list.stdout))).toEqual([
      { id: fake.tenants[0]?.id, name: 'default', slug: 'default' },
    ]);
  });

  it('lists tenants as a table, also straight from --api-url', async () => {
    const created = await tenantCli([
      'create',
      '--name',
      'Data team',
      '--slug',
      'data-team',
      '--api-url',
      `http://127.0.0.1:${fake.apiPort}/graphql`,
    ]);
    expect(created.exitCode).toBe(0);
    const list = await tenantCli(['list', '-n', ns.name]);
    expect(list.exitCode).toBe(0);
    const lines = String(list.stdout).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +SLUG +ID$/);
    expect(lines.slice(1).map((l) => l.split(/ {2,}/).slice(0, 2))).toEqual([
      ['default', 'default'],
      ['Data team', 'data-team'],
    ]);
  });
});

describe('tenant refuses and fails plainly', () => {
  it('refuses a bad slug (exit 2) before sending anything', async () => {
    const before = fake.requests.length;
    for (const slug of ['Data Team', 'UPPER', 'trailing-', 'two--hyphens']) {
      const result = await tenantCli(['create', '-n', ns.name, '--slug', slug]);
      expect(result.exitCode, slug).toBe(2);
      expect(result.stderr).toContain(`--slug: Tenant slug "${slug}" must be lowercase letters`);
    }
    const badUrl = await tenantCli(['list', '--api-url', 'localhost:4200/graphql']);
    expect(badUrl.exitCode).toBe(2);
    expect(badUrl.stderr).toMatch(/--api-url: URL "localhost:4200\/graphql" must start with http/);
    expect(fake.requests.length).toBe(before);
  });

  it('retries a server that is down for the time given, then fails with exit 1 and what to check', async () => {
    await fake.stopApi();
    try {
      const started = Date.now();
      const result = await tenantCli([
        'create',
        '-n',
        ns.name,
        '--slug',
        'down',
        '--timeout',
        '3s',
      ]);
      const seconds = (Date.now() - started) / 1000;
      expect(result.exitCode).toBe(1);
      expect(seconds).toBeGreaterThanOrEqual(3);
      expect(seconds).toBeLessThan(20);
      expect(result.stderr).toMatch(
        /Error: Could not create tenant down: the Prefect API at a port-forward to svc\/prefect-server-apollo:4200 in e2e-tenant-\w+ did not answer \(.+\) \(\d+ attempts in 3 s\)\./,
      );
      expect(result.stderr).toMatch(/Hint: Check apollo: kubectl get pods -n e2e-tenant-\w+ -l /);
    } finally {
      await fake.startApi();
    }
    expect(fake.tenants.map((t) => t.slug)).not.toContain('down');
  });

  it('retries 5xx answers, then reports the server’s own message', async () => {
    fake.failure = { status: 503, message: 'graphql service unavailable' };
    const before = fake.graphqlRequests().length;
    try {
      const result = await tenantCli([
        'list',
        '--api-url',
        `http://127.0.0.1:${fake.apiPort}/graphql`,
        '--timeout',
        '2s',
      ]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(
        /Error: Could not list tenants: the Prefect API at http:\/\/127\.0\.0\.1:\d+\/graphql \(--api-url\) answered HTTP 503: graphql service unavailable \(\d+ attempts in 2 s\)\./,
      );
    } finally {
      fake.failure = undefined;
    }
    expect(fake.graphqlRequests().length - before).toBeGreaterThan(2);
  });

  it('Ctrl-C stops the temporary port-forward and exits 130', async () => {
    await fake.stopApi();
    try {
      const child = runCli(helm3, ['tenant', 'list', '-n', ns.name, '--timeout', '60s']);
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += String(chunk);
      });
      const deadline = Date.now() + 30_000;
      while (!stderr.includes('trying again') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(stderr).toContain('The API did not answer');
      // The forward may be between restarts at any one instant: look until it is there.
      let kubectls: number[] = [];
      const found = Date.now() + 15_000;
      while (kubectls.length === 0 && Date.now() < found) {
        const ps = await execa('ps', ['-o', 'pid=', '--ppid', String(child.pid)], {
          reject: false,
        });
        kubectls = String(ps.stdout)
          .split('\n')
          .map((line) => Number(line.trim()))
          .filter(Boolean);
        if (kubectls.length === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(kubectls.length).toBeGreaterThan(0);
      child.kill('SIGINT');
      const result = await child;
      expect(result.exitCode).toBe(130);
      expect(result.stderr).toContain('Interrupted; the temporary port-forward is stopped.');
      for (const pid of kubectls) {
        expect(() => process.kill(pid, 0), `kubectl ${pid} still runs`).toThrow();
      }
    } finally {
      await fake.startApi();
    }
  });
});
