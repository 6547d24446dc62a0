// `prefect-server install` and the wizard, end to end: the real CLI, real helm 3 and 4, kubectl,
// and the real API server of the test cluster.
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { cliEnv, runCli, wizardBin } from './support/cli.js';
import { createNamespace, kubeconfig, kubectl, kubectlJson } from './support/cluster.js';
import { sampleCommandLines } from './support/cmdline-sampler.js';
import { releaseHistory } from './support/release.js';
import { keys, Terminal } from './support/terminal.js';

const [helm3, helm4] = helms() as [ReturnType<typeof helms>[0], ReturnType<typeof helms>[0]];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

async function namespace(prefix: string) {
  const ns = await createNamespace(prefix);
  cleanups.push(ns.remove);
  return ns.name;
}

/** A namespace name that does not exist; removed afterwards in case a test created it. */
function freshName(prefix: string): string {
  const name = `${prefix}-${Math.random().toString(16).slice(2, 8)}`;
  cleanups.push(async () => {
    await kubectl(['delete', 'namespace', name, '--wait=false', '--ignore-not-found']);
  });
  return name;
}

async function deploymentsOf(ns: string, release = 'prefect-server') {
  const list = await kubectlJson([
    'get',
    'deployments',
    '-n',
    ns,
    '-l',
    `app.kubernetes.io/instance=${release}`,
  ]);
  return list.items as { metadata: { name: string }; status: { availableReplicas?: number } }[];
}

describe.each([helm3, helm4])('install --yes with $label', (h) => {
  it('installs a release that becomes ready, then says how to reach it', async () => {
    const ns = freshName(`e2e-install-${h.label}`);
    const result = await runCli(h, [
      'install',
      '--yes',
      '-n',
      ns,
      '--create-namespace',
      '--agent',
      '--agent-labels',
      'k8s,prod',
    ]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Preflight passed');
    expect(result.stdout).toContain('All workloads are ready');
    expect(result.stdout).toContain(`prefect-server connect -n ${ns}`);
    const deployments = await deploymentsOf(ns);
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
      ['agent', 'apollo', 'graphql', 'hasura', 'towel', 'ui'].map((c) => `prefect-server-${c}`),
    );
    for (const d of deployments) expect(d.status.availableReplicas, d.metadata.name).toBe(1);
    const agent = (await kubectlJson(['get', 'deployment', 'prefect-server-agent', '-n', ns])) as {
      spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
    };
    const labels = agent.spec.template.spec.containers[0]?.env.find(
      (e) => e.name === 'PREFECT__CLOUD__AGENT__LABELS',
    );
    expect(JSON.parse(labels?.value ?? '[]')).toEqual(['k8s', 'prod']);
  });
});

describe('install refuses and creates nothing', () => {
  it('bad input: exit 2 with the rule, no namespace created', async () => {
    const ns = freshName('e2e-bad');
    for (const [args, message] of [
      [
        ['--release', 'Prefect_Server'],
        /--release: Release name "Prefect_Server" must consist of lowercase/,
      ],
      [
        [
          '--expose',
          'ingress',
          '--api-host',
          'https://api.example.com',
          '--ui-host',
          'ui.example.com',
        ],
        /without "http:\/\/" or "https:\/\/"/,
      ],
      [['--server-tag', 'bad tag'], /--server-tag: Image tag "bad tag"/],
      [
        ['--db-persistence', '--db-size', '8GB'],
        /--db-size: Database volume size "8GB" is not a Kubernetes quantity/,
      ],
      [
        ['--database', 'external', '--db-host', 'pg.internal', '--db-port', '99999'],
        /--db-port must be a whole number from 1 to 65535/,
      ],
      [['--set', 'postgresql.auth.password=hunter2'], /would put a secret on helm's command line/],
      [['--expose', 'loadbalancer'], /--api-url is required with --expose loadbalancer/],
    ] as [string[], RegExp][]) {
      const result = await runCli(helm3, [
        'install',
        '--yes',
        '-n',
        ns,
        '--create-namespace',
        ...args,
      ]);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    const found = await kubectl(['get', 'namespace', ns, '--ignore-not-found', '-o', 'name']);
    expect(String(found.stdout)).toBe('');
  });

  it('a StorageClass that does not exist is refused by preflight with exit 2', async () => {
    const ns = await namespace('e2e-no-sc');
    const result = await runCli(helm3, [
      'install',
      '--yes',
      '-n',
      ns,
      '--db-persistence',
      '--db-storage-class',
      'gold',
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toMatch(/StorageClass gold does not exist \(the cluster has: standard\)/);
    expect(await deploymentsOf(ns)).toEqual([]);
  });

  it('--dry-run prints values and the helm command, validates server-side, creates nothing', async () => {
    const ns = await namespace('e2e-dry');
    const result = await runCli(helm4, [
      'install',
      '--yes',
      '--dry-run',
      '-n',
      ns,
      '--expose',
      'ingress',
      '--api-host',
      'api.example.com',
      '--ui-host',
      'ui.example.com',
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('apolloApiUrl: http://api.example.com/graphql');
    expect(result.stdout).toMatch(
      /helm install prefect-server \S+chart --namespace e2e-dry-\w+ --values <values.yaml above> --wait --timeout 10m/,
    );
    expect(result.stdout).toContain('The API server accepted every object.');
    const objects = await kubectl([
      'get',
      'all,secrets,configmaps,ingresses',
      '-n',
      ns,
      '-o',
      'name',
    ]);
    expect(
      String(objects.stdout)
        .split('\n')
        .filter((l) => l && !l.includes('kube-root-ca')),
    ).toEqual([]);
  });

  it('a release of the same name is refused with exit 2 naming its state and chart; --adopt upgrades it', async () => {
    const ns = await namespace('e2e-taken');
    expect((await runCli(helm4, ['install', '--yes', '-n', ns, '--no-tenant'])).exitCode).toBe(0);
    const again = await runCli(helm4, ['install', '--yes', '-n', ns, '--no-tenant']);
    expect(again.exitCode).toBe(2);
    expect(again.stdout).toContain(
      `release prefect-server already exists in ${ns} (status deployed, chart prefect-server-0.1.0)`,
    );
    // Printed by the one release-flags helper, in the order every other hint uses (-n, then
    // --release); preflight alone used to put --release first.
    expect(again.stderr).toContain(`prefect-server upgrade -n ${ns} --release prefect-server`);
    const adopted = await runCli(helm4, ['install', '--yes', '-n', ns, '--no-tenant', '--adopt']);
    expect(adopted.exitCode, String(adopted.stderr)).toBe(0);
    const history = await releaseHistory(helm4.path, ns);
    expect(history.map((h) => [h.revision, h.status])).toEqual([
      [1, 'superseded'],
      [2, 'deployed'],
    ]);
  });

  it('a user who may only read: preflight names the permissions, nothing is created', async () => {
    const ns = await namespace('e2e-rbac');
    await kubectl(['create', 'serviceaccount', 'reader', '-n', ns]);
    await kubectl([
      'create',
      'rolebinding',
      'reader-view',
      '--clusterrole=view',
      `--serviceaccount=${ns}:reader`,
      '-n',
      ns,
    ]);
    const token = String((await kubectl(['create', 'token', 'reader', '-n', ns])).stdout).trim();
    const admin = readFileSync(kubeconfig(), 'utf8');
    const server = admin.match(/server: (\S+)/)?.[1];
    const ca = admin.match(/certificate-authority-data: (\S+)/)?.[1];
    const dir = await mkdtemp(join(tmpdir(), 'reader-'));
    const restricted = join(dir, 'kubeconfig');
    await writeFile(
      restricted,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: ${server}, certificate-authority-data: ${ca}}}]\nusers: [{name: reader, user: {token: ${token}}}]\ncontexts: [{name: reader, context: {cluster: c, user: reader, namespace: ${ns}}}]\ncurrent-context: reader\n`,
      { mode: 0o600 },
    );
    const result = await runCli(helm3, ['install', '--yes', '-n', ns], {
      env: cliEnv(helm3, { KUBECONFIG: restricted }),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      /you may not create deployments\.apps, services, secrets, configmaps, serviceaccounts, statefulsets\.apps, jobs\.batch in namespace/,
    );
    expect(result.stderr).toContain('preflight check failed; nothing was created');
    expect(await deploymentsOf(ns)).toEqual([]);
    const helmSecrets = await kubectl([
      'get',
      'secrets',
      '-n',
      ns,
      '-l',
      'owner=helm',
      '-o',
      'name',
    ]);
    expect(String(helmSecrets.stdout)).toBe('');
  });
});

describe('secrets stay secret', () => {
  it('an external database password is in no command line and no output during install', async () => {
    const ns = await namespace('e2e-secret');
    const password = `pw-${Math.random().toString(36).slice(2)}-never-shown`;
    const kept = join(await mkdtemp(join(tmpdir(), 'kept-')), 'values.yaml');
    const { result, report } = await sampleCommandLines(password, () =>
      runCli(
        helm4,
        [
          'install',
          '--yes',
          '--debug',
          '-n',
          ns,
          '--database',
          'external',
          '--db-host',
          'pg.internal',
          '--db-password-stdin',
          '--output-values',
          kept,
        ],
        { input: `${password}\n` },
      ),
    );
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(report.samples).toBeGreaterThan(20);
    expect(report.leaks).toEqual([]);
    expect(String(result.stdout)).not.toContain(password);
    expect(String(result.stderr)).not.toContain(password);
    // The kept values file names the Secret and holds no password.
    const keptValues = readFileSync(kept, 'utf8');
    expect(keptValues).toContain('existingSecret: prefect-server-postgresql-external');
    expect(keptValues).not.toContain(password);
    // The password reached the cluster, in the Secret the chart reads, and nowhere in the release.
    const secret = await kubectlJson([
      'get',
      'secret',
      'prefect-server-postgresql-external',
      '-n',
      ns,
    ]);
    expect(Buffer.from(secret.data['postgres-password'], 'base64').toString()).toBe(password);
    const release = await kubectl(['get', 'secrets', '-n', ns, '-l', 'owner=helm', '-o', 'json']);
    expect(String(release.stdout)).not.toContain(Buffer.from(password).toString('base64'));
    const notes = await execa(helm4.path, [
      'get',
      'notes',
      'prefect-server',
      '-n',
      ns,
      '--kubeconfig',
      kubeconfig(),
    ]);
    expect(String(notes.stdout)).not.toContain(password);
  });

  it('the generated database password is in no command line and no output during an upgrade', async () => {
    const ns = await namespace('e2e-secret-upgrade');
    expect((await runCli(helm3, ['install', '--yes', '-n', ns])).exitCode).toBe(0);
    const secret = await kubectlJson(['get', 'secret', 'prefect-server-postgresql', '-n', ns]);
    const password = Buffer.from(secret.data['postgres-password'], 'base64').toString();
    const { result, report } = await sampleCommandLines(password, () =>
      runCli(helm3, ['upgrade', '--yes', '--debug', '-n', ns, '--agent']),
    );
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(report.leaks).toEqual([]);
    expect(`${result.stdout}${result.stderr}`).not.toContain(password);
  });
});

describe('the wizard in a real terminal', () => {
  it('asks, refuses a bad namespace, asks again, and installs', async () => {
    const ns = freshName('e2e-wizard');
    const term = new Terminal(['node', wizardBin], cliEnv(helm3, { CI: '' }));
    try {
      let at = await term.answer('Namespace to install into', 'Bad_NS');
      at = await term.waitFor(/must consist of lowercase letters, digits and '-'/, at);
      term.type('\x7f'.repeat(6));
      term.type(ns);
      term.type(keys.enter);
      at = await term.answer(`Namespace ${ns} does not exist. Create it?`, 'y', at);
      at = await term.answer('Release name', '', at);
      at = await term.answer('Chart', '', at);
      at = await term.answer(/Database\b/, '', at);
      at = await term.answer('Keep the database on a persistent volume?', 'n', at);
      at = await term.answer('Delete logs older than how many days', '14', at);
      at = await term.answer('Deploy the Prefect Kubernetes agent?', 'y', at);
      at = await term.answer('Prefect labels of the agent', 'wizard', at);
      at = await term.answer('Set CPU/memory for flow-run jobs?', '', at);
      at = await term.answer('How will you reach the UI and the API?', '', at);
      at = await term.answer("Use the chart's image versions", '', at);
      at = await term.answer('Create a tenant at install?', '', at);
      at = await term.answer('Tenant name', '', at);
      at = await term.answer('Tenant slug', '', at);
      at = await term.answer('Image pull Secrets', '', at);
      at = await term.waitFor('Plan', at);
      at = await term.answer(`Install prefect-server into ${ns}?`, '', at);
      await term.waitFor('Prefect Server is installed', at, 180_000);
      expect(await term.exitCode()).toBe(0);
    } finally {
      term.kill();
    }
    expect(term.screen).toContain('agent      yes, labels wizard');
    expect(term.screen).toContain(
      'retention  logs older than 14 days deleted every night by a CronJob',
    );
    const deployments = await deploymentsOf(ns);
    expect(deployments).toHaveLength(6);
    // The retention answer became the chart's CronJob.
    const cronJob = await kubectlJson(['get', 'cronjob', 'prefect-server-retention', '-n', ns]);
    expect(cronJob.spec.jobTemplate.spec.template.spec.containers[0].command).toContain(
      'logs_older_than=14 days',
    );
  });
});

describe('LoadBalancer exposure on a cluster without a load balancer', () => {
  it('installs and returns once the workloads are ready, without waiting for an address', async () => {
    const ns = await namespace('e2e-lb');
    const result = await runCli(helm4, [
      'install',
      '--yes',
      '-n',
      ns,
      '--expose',
      'loadbalancer',
      '--api-url',
      'http://prefect-api.example.com:4200/graphql',
      '--timeout',
      '3m',
    ]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.stdout).toContain('All workloads are ready');
    expect(result.stdout).toContain('once the load balancer has an address');
    const apollo = await kubectlJson(['get', 'service', 'prefect-server-apollo', '-n', ns]);
    expect(apollo.spec.type).toBe('LoadBalancer');
    expect(apollo.status.loadBalancer).toEqual({});
  });
});
