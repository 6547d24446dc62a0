// The scripts the chart renders into the create-tenant Job and the helm test pod, run for real
// (bash, python3) against a local stand-in for apollo's health endpoint and a fake `prefect` CLI.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { container, envValues, NAMESPACE, template } from './render.js';

function available(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const canRun = available('bash') && available('python3');

const HEALTH_PATH = '/.well-known/apollo/server-health';

/** apollo's health endpoint: `unhealthyFor` requests answer 503, then 200 (never, with Infinity). */
class FakeApollo {
  requests = 0;
  unhealthyFor = 0;
  private server: Server = createServer((request, response) => {
    this.requests++;
    const healthy = request.url === HEALTH_PATH && this.requests > this.unhealthyFor;
    response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
    response.end(healthy ? '{"status":"pass"}' : '{"status":"fail"}');
  });

  async start(): Promise<void> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${HEALTH_PATH}`;
  }

  reset(unhealthyFor: number): void {
    this.requests = 0;
    this.unhealthyFor = unhealthyFor;
  }

  stop(): Promise<void> {
    return new Promise((done) => this.server.close(() => done()));
  }
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(command, args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
      done({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

describe.skipIf(!canRun).each(helms())('rendered scripts with $label', (helm) => {
  const apollo = new FakeApollo();
  let dir: string;
  let tenantScript: string;
  let tenantEnv: Record<string, string>;
  let testScript: string;

  beforeAll(async () => {
    await apollo.start();
    dir = await mkdtemp(join(tmpdir(), 'chart-scripts-'));
    // A `prefect` that records its arguments and answers as the test says.
    await writeFile(
      join(dir, 'prefect'),
      '#!/usr/bin/env bash\nprintf "%s\\n" "$@" > "$FAKE_ARGS_FILE"\nprintf "%s\\n" "$FAKE_OUTPUT"\nexit "$FAKE_CODE"\n',
    );
    await chmod(join(dir, 'prefect'), 0o755);
    const rendered = await template(helm, {
      jobs: { createTenant: { enabled: true, tenant: { name: 'Data Team', slug: 'data-team' } } },
    });
    const job = container(rendered.get('Job', 'rel-create-tenant-job'), 'create-tenant');
    expect(job.args.slice(0, 2)).toEqual(['bash', '-c']);
    tenantScript = job.args[2];
    tenantEnv = envValues(job);
    const pod = rendered.get('Pod', 'rel-test-apollo').spec.containers[0];
    expect(pod.args.slice(0, 2)).toEqual(['python3', '-c']);
    testScript = pod.args[2];
  });

  afterAll(async () => {
    await apollo.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function runTenantJob(fake: { output: string; code: number }, waitSeconds = 20) {
    const argsFile = join(dir, `args-${Math.random().toString(36).slice(2)}`);
    const result = await run('bash', ['-c', tenantScript], {
      ...process.env,
      ...tenantEnv,
      PATH: `${dir}${delimiter}${process.env.PATH}`,
      APOLLO_HEALTH_URL: apollo.url,
      WAIT_SECONDS: String(waitSeconds),
      POLL_SECONDS: '0.1',
      FAKE_ARGS_FILE: argsFile,
      FAKE_OUTPUT: fake.output,
      FAKE_CODE: String(fake.code),
    });
    const args = existsSync(argsFile)
      ? (await readFile(argsFile, 'utf8')).trim().split('\n')
      : null;
    return { ...result, args };
  }

  it('create-tenant waits for apollo, then creates the tenant', async () => {
    apollo.reset(3);
    const result = await runTenantJob({ output: 'Tenant created with ID: 1234', code: 0 });
    expect(result.output).toContain('waiting for apollo');
    expect(result.output).toContain("tenant 'data-team' created");
    expect(result.code).toBe(0);
    expect(apollo.requests).toBe(4);
    expect(result.args).toEqual([
      'server',
      'create-tenant',
      '--name',
      'Data Team',
      '--slug',
      'data-team',
    ]);
    expect(tenantEnv.APOLLO_HEALTH_URL).toBe(`http://rel-apollo.${NAMESPACE}:4200${HEALTH_PATH}`);
  });

  it('create-tenant counts an existing tenant as success', async () => {
    apollo.reset(0);
    const result = await runTenantJob({
      output: 'Error: Uniqueness violation. {"path": ["create_tenant"]}',
      code: 1,
    });
    expect(result.output).toContain("tenant 'data-team' already exists");
    expect(result.code).toBe(0);
  });

  it('create-tenant fails on any other error', async () => {
    apollo.reset(0);
    const result = await runTenantJob({ output: 'ConnectionError: connection refused', code: 1 });
    expect(result.output).toContain('ConnectionError');
    expect(result.code).toBe(1);
  });

  it('create-tenant gives up after its wait without calling prefect', async () => {
    apollo.reset(Number.POSITIVE_INFINITY);
    const result = await runTenantJob({ output: 'unused', code: 0 }, 1);
    expect(result.output).toContain('apollo did not become healthy in time');
    expect(result.code).toBe(1);
    expect(result.args).toBeNull();
  });

  it('the helm test pod passes on a healthy apollo and fails on an unhealthy one', async () => {
    const url = `http://rel-apollo.${NAMESPACE}:4200${HEALTH_PATH}`;
    expect(testScript).toContain(url);
    const script = testScript.replace(url, apollo.url);
    apollo.reset(0);
    expect(await run('python3', ['-c', script], process.env)).toMatchObject({ code: 0 });
    apollo.reset(Number.POSITIVE_INFINITY);
    const failed = await run('python3', ['-c', script], process.env);
    expect(failed.code).not.toBe(0);
    expect(failed.output).toContain('503');
  });
});
