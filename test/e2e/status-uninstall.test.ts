// status and uninstall on the real API server: what is kept, and that a reinstall reuses it.
import { afterAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { runCli } from './support/cli.js';
import { createNamespace, eventually, kubectl, kubectlJson } from './support/cluster.js';
import { releaseBehindFakeApi } from './support/release-behind-fake-api.js';

const [h3, h4] = helms() as [ReturnType<typeof helms>[0], ReturnType<typeof helms>[0]];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

describe('status', () => {
  it('shows release, components, exposure, database and agent; --output json has the same', async () => {
    // apollo is played by the tests' Prefect API double, routed to by kwok's port-forwarding.
    const release = await releaseBehindFakeApi(h4, 'e2e-status', [
      '--agent',
      '--expose',
      'ingress',
      '--api-host',
      'api.example.com',
      '--ui-host',
      'ui.example.com',
      '--tls-secret',
      'tls',
    ]);
    cleanups.push(release.close);
    const ns = { name: release.namespace };
    release.fake.tenants.push({
      id: '00000000-0000-4000-8000-000000000001',
      name: 'default',
      slug: 'default',
    });
    const text = await runCli(h4, ['status', '-n', ns.name]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(
      /release {3}prefect-server in e2e-status-\w+: deployed, revision 1, chart prefect-server-0\.1\.0/,
    );
    expect(text.stdout).toMatch(/✓ apollo +1\/1 ready \(Deployment\)/);
    expect(text.stdout).toMatch(/✓ postgresql +1\/1 ready \(StatefulSet\)/);
    expect(text.stdout).toContain('https://api.example.com/graphql');
    expect(text.stdout).toContain('agent     on');
    expect(text.stdout).toContain('tenants   1');
    const json = JSON.parse(
      String((await runCli(h4, ['status', '-n', ns.name, '--output', 'json'])).stdout),
    );
    expect(json.components.map((c: { component: string }) => c.component)).toEqual([
      'agent',
      'apollo',
      'graphql',
      'hasura',
      'postgresql',
      'towel',
      'ui',
    ]);
    expect(json.exposure).toEqual([
      {
        component: 'apollo',
        type: 'Ingress',
        url: 'https://api.example.com/graphql',
        note: 'Ingress prefect-server-apollo',
      },
      {
        component: 'ui',
        type: 'Ingress',
        url: 'https://ui.example.com/',
        note: 'Ingress prefect-server-ui',
      },
    ]);
    expect(json.database).toEqual({
      mode: 'bundled',
      persistence: false,
      statefulSet: { name: 'prefect-server-postgresql', ready: 1, desired: 1 },
      secret: { name: 'prefect-server-postgresql', key: expect.any(String), found: true },
    });
    expect(json.tenants).toBe(1);
  });
});

describe('uninstall', () => {
  it('keeps the password and the volume, a reinstall reuses them, --delete-data removes them', async () => {
    const ns = await createNamespace('e2e-uninstall');
    cleanups.push(ns.remove);
    expect(
      (
        await runCli(h3, [
          'install',
          '--yes',
          '-n',
          ns.name,
          '--db-persistence',
          '--db-size',
          '1Gi',
        ])
      ).exitCode,
    ).toBe(0);
    const pvc = await eventually('the database claim to bind', async () => {
      const claims = await kubectlJson([
        'get',
        'pvc',
        '-n',
        ns.name,
        '-l',
        'app.kubernetes.io/instance=prefect-server',
      ]);
      return claims.items[0]?.status?.phase === 'Bound' ? claims.items[0] : undefined;
    });
    const password = (
      await kubectlJson(['get', 'secret', 'prefect-server-postgresql', '-n', ns.name])
    ).data;

    const refused = await runCli(h3, ['uninstall', '-n', ns.name]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('pass --yes');

    const quiet = await runCli(h3, [
      'install',
      '--yes',
      '--quiet',
      '-n',
      ns.name,
      '--release',
      'quiet-one',
      '--no-tenant',
    ]);
    expect(quiet.exitCode).toBe(0);
    expect(String(quiet.stdout)).toBe('');
    expect(
      (
        await runCli(h3, [
          'uninstall',
          '-n',
          ns.name,
          '--release',
          'quiet-one',
          '--yes',
          '--delete-data',
          '--quiet',
        ])
      ).exitCode,
    ).toBe(0);

    const removed = await runCli(h3, [
      'uninstall',
      '-n',
      ns.name,
      '--release',
      'prefect-server',
      '--yes',
    ]);
    expect(removed.exitCode, String(removed.stderr)).toBe(0);
    expect(removed.stdout).toContain('Secret prefect-server-postgresql: the database password');
    expect(removed.stdout).toContain(
      `PersistentVolumeClaim ${pvc.metadata.name} (1Gi): the database`,
    );
    const deployments = await kubectlJson(['get', 'deployments', '-n', ns.name]);
    expect(deployments.items).toEqual([]);
    // helm keeps hook resources on uninstall; the create-tenant Job is removed with the release
    // (its pod would name the ServiceAccount helm just removed).
    const jobs = await kubectlJson(['get', 'jobs', '-n', ns.name]);
    expect(jobs.items).toEqual([]);

    // Install again under the same name: the kept Secret and claim are reused.
    expect(
      (
        await runCli(h3, [
          'install',
          '--yes',
          '-n',
          ns.name,
          '--db-persistence',
          '--db-size',
          '1Gi',
        ])
      ).exitCode,
    ).toBe(0);
    expect(
      (await kubectlJson(['get', 'secret', 'prefect-server-postgresql', '-n', ns.name])).data,
    ).toEqual(password);
    const claimAfter = await kubectlJson(['get', 'pvc', pvc.metadata.name, '-n', ns.name]);
    expect(claimAfter.metadata.uid).toBe(pvc.metadata.uid);

    const wiped = await runCli(h3, ['uninstall', '-n', ns.name, '--yes', '--delete-data']);
    expect(wiped.exitCode, String(wiped.stderr)).toBe(0);
    expect(wiped.stdout).toContain(
      `deleted Secret prefect-server-postgresql, PersistentVolumeClaim ${pvc.metadata.name}`,
    );
    const secret = await kubectl([
      'get',
      'secret',
      'prefect-server-postgresql',
      '-n',
      ns.name,
      '--ignore-not-found',
      '-o',
      'name',
    ]);
    expect(String(secret.stdout)).toBe('');
  });
});
