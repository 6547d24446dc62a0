// `prefect-server upgrade` end to end on the real API server, with helm 3 and helm 4.
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { cliEnv, repoRoot, runCli } from './support/cli.js';
import {
  eventually,
  helm,
  kubeconfig,
  kubectl,
  kubectlJson,
  namespacesForThisFile,
} from './support/cluster.js';
import { lastRevision, passwordData, releaseValues } from './support/release.js';

const namespace = namespacesForThisFile();

/** Deployment name -> the pod template hash of its current ReplicaSet. */
async function templateHashes(ns: string): Promise<Record<string, string>> {
  const sets = await kubectlJson([
    'get',
    'replicasets',
    '-n',
    ns,
    '-l',
    'app.kubernetes.io/instance=prefect-server',
  ]);
  const hashes: Record<string, string> = {};
  for (const rs of sets.items) {
    if ((rs.spec.replicas ?? 0) === 0) continue;
    hashes[rs.metadata.ownerReferences[0].name] = rs.metadata.labels['pod-template-hash'];
  }
  return hashes;
}

describe.each(helms())('upgrade with $label', (h) => {
  it('enables the agent keeping every other answer, the password and unchanged pods', async () => {
    const ns = await namespace(`e2e-upgrade-${h.label}`);
    expect(
      (
        await runCli(h, [
          'install',
          '--yes',
          '-n',
          ns,
          '--expose',
          'ingress',
          '--api-host',
          'api.example.com',
          '--ui-host',
          'ui.example.com',
        ])
      ).exitCode,
    ).toBe(0);
    const before = { password: await passwordData(ns), hashes: await templateHashes(ns) };

    const result = await runCli(h, ['upgrade', '-n', ns, '--agent', '--yes']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('~ agent.enabled: false -> true');
    expect(result.stdout).toContain('+ Deployment/prefect-server-agent');
    expect(result.stdout).toContain('+ Role/prefect-server-agent-role');
    expect(result.stdout).toMatch(/Upgraded: prefect-server is at revision 2 \(deployed\)/);

    expect(await lastRevision(h.path, ns)).toEqual({ number: 2, status: 'deployed' });
    await kubectl([
      'get',
      'deployment/prefect-server-agent',
      'role/prefect-server-agent-role',
      '-n',
      ns,
    ]);
    expect(await passwordData(ns)).toEqual(before.password);
    const after = await templateHashes(ns);
    for (const [deployment, hash] of Object.entries(before.hashes))
      expect(after[deployment], deployment).toBe(hash);
    // The earlier answers are still there: the Ingress hosts were not asked for again.
    const values = await releaseValues(h.path, ns);
    expect(values.apollo.ingress.hosts).toEqual(['api.example.com']);
    expect(values.agent.enabled).toBe(true);
  });
});

describe('upgrade', () => {
  const [h3, h4] = helms() as [ReturnType<typeof helms>[0], ReturnType<typeof helms>[0]];

  it('takes a release installed with seed-era values and upgrades it without asking for the password', async () => {
    const ns = await namespace('e2e-upgrade-seed');
    const dir = await mkdtemp(join(tmpdir(), 'seed-values-'));
    const seedValues = join(dir, 'values.yaml');
    // A values file as users wrote them for the original chart (before 2022.09.07).
    await writeFile(
      seedValues,
      'postgresql:\n  postgresqlUsername: prefect\n  postgresqlDatabase: prefect\n  servicePort: 5432\n  persistence:\n    enabled: false\njobs:\n  createTenant:\n    enabled: true\n',
    );
    await helm(h3.path, [
      'install',
      'prefect-server',
      join(repoRoot, 'chart'),
      '-n',
      ns,
      '-f',
      seedValues,
      '--wait',
      '--timeout',
      '3m',
    ]);
    const password = await passwordData(ns);
    const result = await runCli(h3, ['upgrade', '-n', ns, '--agent', '--yes'], { input: '' });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.stdout).toContain(
      'key moved for the target chart: postgresql.postgresqlUsername -> postgresql.auth.username',
    );
    expect(result.stdout).toContain(
      'key moved for the target chart: postgresql.persistence -> postgresql.primary.persistence',
    );
    expect(await passwordData(ns)).toEqual(password);
    const values = await releaseValues(h3.path, ns);
    expect(values.postgresql).toEqual({
      auth: { username: 'prefect', database: 'prefect' },
      primary: { persistence: { enabled: false }, service: { ports: { postgresql: 5432 } } },
    });
  });

  it('the pull policy of flow-run jobs reaches the agent, and an upgrade of another answer keeps it', async () => {
    const ns = await namespace('e2e-upgrade-job-policy');
    const policyOf = async () => {
      const deployment = await kubectlJson(['get', 'deployment/prefect-server-agent', '-n', ns]);
      const env: { name: string; value?: string }[] =
        deployment.spec.template.spec.containers[0].env ?? [];
      return env.find((e) => e.name === 'IMAGE_PULL_POLICY')?.value;
    };
    const installed = await runCli(h4, [
      'install',
      '--yes',
      '-n',
      ns,
      '--agent',
      '--job-image-pull-policy',
      'IfNotPresent',
    ]);
    expect(installed.exitCode, installed.stderr).toBe(0);
    expect(installed.stdout).toContain('settings   agent.job.imagePullPolicy=IfNotPresent');
    expect(await policyOf()).toBe('IfNotPresent');

    const upgraded = await runCli(h4, ['upgrade', '-n', ns, '--agent-labels', 'etl', '--yes']);
    expect(upgraded.exitCode, upgraded.stderr).toBe(0);
    expect((await releaseValues(h4.path, ns)).agent).toMatchObject({
      prefectLabels: ['etl'],
      job: { imagePullPolicy: 'IfNotPresent' },
    });
    expect(await policyOf()).toBe('IfNotPresent');

    const refused = await runCli(h4, [
      'upgrade',
      '-n',
      ns,
      '--job-image-pull-policy',
      'Sometimes',
      '--yes',
    ]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('Allowed choices are Always, IfNotPresent, Never');
    expect(await lastRevision(h4.path, ns)).toEqual({ number: 2, status: 'deployed' });
  });

  it('shows the diff for a changed ingress host; --dry-run changes nothing', async () => {
    const ns = await namespace('e2e-upgrade-dry');
    await runCli(h4, [
      'install',
      '--yes',
      '-n',
      ns,
      '--expose',
      'ingress',
      '--api-host',
      'api.example.com',
      '--ui-host',
      'ui.example.com',
    ]);
    const result = await runCli(h4, [
      'upgrade',
      '-n',
      ns,
      '--expose',
      'ingress',
      '--api-host',
      'api2.example.com',
      '--ui-host',
      'ui.example.com',
      '--dry-run',
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      '~ apollo.ingress.hosts: ["api.example.com"] -> ["api2.example.com"]',
    );
    expect(result.stdout).toContain(
      '~ ui.apolloApiUrl: "http://api.example.com/graphql" -> "http://api2.example.com/graphql"',
    );
    expect(result.stdout).toContain('~ Ingress/prefect-server-apollo');
    expect(result.stdout).toContain('~ Deployment/prefect-server-ui');
    expect(result.stdout).toContain('Dry run: nothing was changed.');
    expect(await lastRevision(h4.path, ns)).toEqual({ number: 1, status: 'deployed' });
  });

  it('a namespace the user may not read: exit 2 naming the permission, nothing changed', async () => {
    const ns = await namespace('e2e-upgrade-rbac');
    expect((await runCli(h4, ['install', '--yes', '-n', ns, '--no-tenant'])).exitCode).toBe(0);
    // A ServiceAccount with no role at all: it may not even list helm's Secrets.
    await kubectl(['create', 'serviceaccount', 'nobody', '-n', ns]);
    const token = String((await kubectl(['create', 'token', 'nobody', '-n', ns])).stdout).trim();
    const admin = readFileSync(kubeconfig(), 'utf8');
    const server = admin.match(/server: (\S+)/)?.[1];
    const ca = admin.match(/certificate-authority-data: (\S+)/)?.[1];
    const restricted = join(await mkdtemp(join(tmpdir(), 'nobody-')), 'kubeconfig');
    await writeFile(
      restricted,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: ${server}, certificate-authority-data: ${ca}}}]\nusers: [{name: nobody, user: {token: ${token}}}]\ncontexts: [{name: nobody, context: {cluster: c, user: nobody}}]\ncurrent-context: nobody\n`,
      { mode: 0o600 },
    );
    const result = await runCli(h4, ['upgrade', '-n', ns, '--agent', '--yes'], {
      env: cliEnv(h4, { KUBECONFIG: restricted }),
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`You may not read the releases in namespace ${ns}`);
    expect(result.stderr).toMatch(/forbidden/);
    expect(result.stderr).toContain('--clusterrole=admin');
    expect(await lastRevision(h4.path, ns)).toEqual({ number: 1, status: 'deployed' });
  });

  it('refuses bad input with exit 2 before anything changes', async () => {
    const ns = await namespace('e2e-upgrade-bad');
    const missing = await runCli(h3, [
      'upgrade',
      '-n',
      ns,
      '--release',
      'nope',
      '--agent',
      '--yes',
    ]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(`No release named nope in namespace ${ns}`);

    await runCli(h3, ['install', '--yes', '-n', ns]);
    const unknownKey = await runCli(h3, [
      'upgrade',
      '-n',
      ns,
      '--set',
      'apollo.service.typo=1',
      '--yes',
    ]);
    expect(unknownKey.exitCode).toBe(2);
    expect(unknownKey.stderr).toMatch(/helm refused the upgrade: .*typo/);
    const fixed = await runCli(h3, ['upgrade', '-n', ns, '--db-host', 'elsewhere', '--yes']);
    expect(fixed.exitCode).toBe(2);
    expect(fixed.stderr).toContain('--db-host cannot be changed by upgrade');
    expect(await lastRevision(h3.path, ns)).toEqual({ number: 1, status: 'deployed' });
  });

  it.each([h3, h4])('recovers from an upgrade interrupted during --wait ($label)', async (h) => {
    const ns = await namespace(`e2e-upgrade-int-${h.label}`);
    await runCli(h, ['install', '--yes', '-n', ns, '--no-tenant']);
    // The new ui pod never becomes ready (kwok keeps it NotReady), so helm waits until we interrupt.
    const upgrade = runCli(h, [
      'upgrade',
      '-n',
      ns,
      '--yes',
      '--set',
      'ui.labels.test\\.prefect-server-install/state=NotReady',
      '--timeout',
      '5m',
    ]);
    await eventually('the upgrade to be under way', async () => {
      const r = await lastRevision(h.path, ns);
      return r.number === 2 ? r : undefined;
    });
    await new Promise((r) => setTimeout(r, 1500));
    upgrade.kill('SIGINT');
    const interrupted = await upgrade;
    expect(interrupted.exitCode).toBe(130);
    expect(interrupted.stderr).toMatch(
      /Interrupted\. Release prefect-server was left in state: (pending-upgrade|failed)/,
    );
    expect(interrupted.stderr).toContain('prefect-server upgrade');

    const recovered = await runCli(h, ['upgrade', '-n', ns, '--yes', '--agent']);
    expect(recovered.exitCode, String(recovered.stderr)).toBe(0);
    expect(recovered.stderr).toMatch(/Release prefect-server is (pending-upgrade|failed)/);
    expect(recovered.stdout).toContain('Rolled back to revision 1');
    const last = await lastRevision(h.path, ns);
    expect(last.status).toBe('deployed');
    expect(last.number).toBe(4);
  });
});
