// A release installed by hand from the original chart (the seed manual's
// `helm install prefecthq/prefect-server --generate-name`: LoadBalancer apollo and ui by the
// chart's own defaults, Bitnami's database), read and changed by the CLI. The release is a
// stand-in generated from ../shared/original-chart data only (support/original-release.ts), never
// our chart; there is no load-balancer controller in the test cluster, so an upgrade that let
// helm --wait for the addresses would hang until its timeout.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { helmHomes } from './support/chart-repo.js';
import { cliBin, cliEnv, runCli } from './support/cli.js';
import { kubectlJson, namespacesForThisFile } from './support/cluster.js';
import { FakePrefectServer } from './support/fake-prefect-api.js';
import { installOriginalRelease, serveOriginalCharts } from './support/original-release.js';
import { assertPodReferencesExist } from './support/pod-references.js';

const [h3, h4] = helms() as [ReturnType<typeof helms>[0], ReturnType<typeof helms>[0]];
const namespace = namespacesForThisFile();
// What `helm install --generate-name` makes of the chart name.
const release = 'prefect-server-1663948800';
let repo: { url: string; close: () => Promise<void> };
let work: string;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'original-release-'));
  repo = await serveOriginalCharts(h4.path, ['2022.04.14', '2022.09.23']);
});
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  await repo?.close();
  await rm(work, { recursive: true, force: true });
});

async function secretData(ns: string, name: string): Promise<Record<string, string>> {
  return (await kubectlJson(['get', 'secret', name, '-n', ns])).data;
}

async function serviceTypes(ns: string): Promise<Record<string, string>> {
  const list = await kubectlJson(['get', 'services', '-n', ns]);
  return Object.fromEntries(
    list.items.map((s: { metadata: { name: string }; spec: { type: string } }) => [
      s.metadata.name,
      s.spec.type,
    ]),
  );
}

describe.each([h3, h4])('a release installed by hand from the original chart ($label)', (h) => {
  it('2022.09.23: upgrade --agent finishes without waiting on load balancer addresses; status, doctor and connect read it', async () => {
    const ns = await namespace(`e2e-orig-${h.label}`);
    const fake = await FakePrefectServer.start();
    const unroute = await fake.routeNamespace(ns);
    cleanups.push(async () => {
      await unroute();
      await fake.close();
    });
    const standIn = await installOriginalRelease(h.path, {
      version: '2022.09.23',
      namespace: ns,
      release,
    });
    cleanups.push(standIn.remove);
    await assertPodReferencesExist(ns);
    const secret = `${release}-postgresql`;
    const before = await secretData(ns, secret);
    // contract.json's keys for 2022.09.23 (Bitnami 11).
    expect(Object.keys(before).sort()).toEqual(['password', 'postgres-password']);
    expect((await serviceTypes(ns))[`${release}-apollo`]).toBe('LoadBalancer');

    const env = cliEnv(h, helmHomes(join(work, `user-${h.label}`)));
    const started = Date.now();
    const upgraded = await runCli(
      h,
      ['upgrade', '-n', ns, '--agent', '--yes', '--repo-url', repo.url, '--timeout', '5m'],
      { env, timeout: 150_000 },
    );
    const seconds = (Date.now() - started) / 1000;
    expect(upgraded.exitCode, `${upgraded.stdout}\n${upgraded.stderr}`).toBe(0);
    // Far below the 5m timeout: helm did not wait for an address that never comes.
    expect(seconds).toBeLessThan(120);
    expect(upgraded.stdout).toContain(`Upgraded: ${release} is at revision 2 (deployed)`);
    const history = JSON.parse(
      String((await execa(h.path, ['history', release, '-n', ns, '-o', 'json'], { env })).stdout),
    );
    expect(history.at(-1)).toMatchObject({
      revision: 2,
      status: 'deployed',
      chart: 'prefect-server-2022.09.23',
    });
    await kubectlJson(['get', 'deployment', `${release}-agent`, '-n', ns]);
    expect(await secretData(ns, secret)).toEqual(before);
    const types = await serviceTypes(ns);
    expect([types[`${release}-apollo`], types[`${release}-ui`]]).toEqual([
      'LoadBalancer',
      'LoadBalancer',
    ]);
    await assertPodReferencesExist(ns);

    const status = await runCli(h, ['status', '-n', ns, '--output', 'json'], { timeout: 60_000 });
    expect(status.exitCode, String(status.stderr)).toBe(0);
    const json = JSON.parse(String(status.stdout));
    expect(json.release.name).toBe(release);
    expect(json.agent).toBe(true);
    expect(json.exposure.map((e: { type: string }) => e.type)).toEqual([
      'LoadBalancer',
      'LoadBalancer',
    ]);
    expect(json.database).toEqual({
      mode: 'bundled',
      persistence: false,
      statefulSet: { name: `${release}-postgresql`, ready: 1, desired: 1 },
      secret: { name: secret, key: 'postgres-password', found: true },
    });

    const doctor = await runCli(h, ['doctor', '-n', ns, '--output', 'json'], { timeout: 120_000 });
    const report = JSON.parse(String(doctor.stdout));
    const check = (id: string) =>
      report.checks.find((c: { id: string }) => c.id === id) as { status: string; message: string };
    expect(check('release-exists').status, JSON.stringify(check('release-exists'))).toBe('pass');
    expect(check('release-exists').message).toContain(release);
    expect(check('database-secret')).toMatchObject({ status: 'pass' });
    expect(check('database-secret').message).toContain(
      `Secret ${secret} holds the password under postgres-password`,
    );

    // connect: apollo and ui of that release (port-forwarded to the API double).
    const connect = execa('node', [cliBin, 'connect', '-n', ns, '--no-config'], {
      env: cliEnv(h),
      reject: false,
      all: true,
    });
    let text = '';
    connect.all?.on('data', (chunk: Buffer) => {
      text += String(chunk);
    });
    const deadline = Date.now() + 60_000;
    while (!/Keeping both port-forwards open/.test(text) && Date.now() < deadline) {
      if (connect.exitCode !== null && connect.exitCode !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    connect.kill('SIGINT');
    await connect;
    expect(text).toMatch(
      new RegExp(
        `to svc/${release}-apollo:4200 in ${ns}, localhost:\\d+ to svc/${release}-ui:8080`,
      ),
    );
  });

  it('2022.04.14: status and doctor find Bitnami 9 names and the postgresql-password key', async () => {
    const ns = await namespace(`e2e-orig0414-${h.label}`);
    const standIn = await installOriginalRelease(h.path, {
      version: '2022.04.14',
      namespace: ns,
      release,
    });
    cleanups.push(standIn.remove);
    await assertPodReferencesExist(ns);
    const secret = `${release}-postgresql`;
    expect(Object.keys(await secretData(ns, secret))).toEqual(['postgresql-password']);

    const status = await runCli(h, ['status', '-n', ns, '--output', 'json'], { timeout: 60_000 });
    expect(status.exitCode, String(status.stderr)).toBe(0);
    const json = JSON.parse(String(status.stdout));
    expect(json.release.chart).toBe('prefect-server-2022.04.14');
    expect(json.exposure.map((e: { type: string }) => e.type)).toEqual([
      'LoadBalancer',
      'LoadBalancer',
    ]);
    expect(json.database).toEqual({
      mode: 'bundled',
      persistence: false,
      statefulSet: { name: `${release}-postgresql`, ready: 1, desired: 1 },
      secret: { name: secret, key: 'postgresql-password', found: true },
    });
    const text = await runCli(h, ['status', '-n', ns], { timeout: 60_000 });
    expect(text.stdout).toMatch(/✓ postgresql +1\/1 ready \(StatefulSet\)/);

    const doctor = await runCli(h, ['doctor', '-n', ns, '--output', 'json'], { timeout: 120_000 });
    const report = JSON.parse(String(doctor.stdout));
    const check = (id: string) =>
      report.checks.find((c: { id: string }) => c.id === id) as { status: string; message: string };
    expect(check('release-exists').status).toBe('pass');
    expect(check('database-secret').message).toContain(
      `Secret ${secret} holds the password under postgresql-password`,
    );
  });
});
