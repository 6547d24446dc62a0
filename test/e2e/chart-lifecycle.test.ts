// Our chart's whole life on a real API server, with helm 3 and helm 4: install --wait, every
// Deployment Available, upgrade, rollback, uninstall; and the agent's RBAC as the server decides it.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { helms } from '../support/tools.js';
import { createNamespace, helm, kubectl, kubectlJson } from './support/cluster.js';

const chart = resolve(import.meta.dirname, '../../chart');

interface Deployment {
  metadata: { name: string; generation: number };
  spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
  status: {
    availableReplicas?: number;
    observedGeneration?: number;
    conditions?: { type: string; status: string }[];
  };
}

describe.each(helms())('chart/ with $label', (h) => {
  const release = `ps-${h.label}`;
  let ns: { name: string; remove: () => Promise<void> };

  beforeAll(async () => {
    ns = await createNamespace(`e2e-chart-${h.label}`);
  });
  afterAll(async () => {
    await ns.remove();
  });

  const passwordSecret = async () =>
    (
      await kubectlJson<{ data: Record<string, string> }>([
        'get',
        'secret',
        `${release}-postgresql`,
        '-n',
        ns.name,
      ])
    ).data;
  let firstPassword: Record<string, string>;

  const deployments = async () =>
    (
      await kubectlJson<{ items: Deployment[] }>([
        'get',
        'deployments',
        '-n',
        ns.name,
        '-l',
        `app.kubernetes.io/instance=${release}`,
      ])
    ).items;

  it('installs with --wait and every Deployment becomes Available', async () => {
    await helm(h.path, [
      'install',
      release,
      chart,
      '-n',
      ns.name,
      '--wait',
      '--timeout',
      '3m',
      '--set',
      'agent.enabled=true',
    ]);
    const items = await deployments();
    const names = items.map((d) => d.metadata.name).sort();
    expect(names).toEqual(
      ['agent', 'apollo', 'graphql', 'hasura', 'towel', 'ui'].map((c) => `${release}-${c}`).sort(),
    );
    for (const d of items) {
      const available = d.status.conditions?.find((c) => c.type === 'Available');
      expect(available?.status, d.metadata.name).toBe('True');
      expect(d.status.availableReplicas, d.metadata.name).toBe(d.spec.replicas);
    }
    const statefulSet = await kubectlJson([
      'get',
      'statefulset',
      `${release}-postgresql`,
      '-n',
      ns.name,
    ]);
    expect(statefulSet.status.readyReplicas).toBe(1);
    firstPassword = await passwordSecret();
    expect(
      Buffer.from(firstPassword['postgres-password'] as string, 'base64').length,
    ).toBeGreaterThanOrEqual(16);
  });

  it('lets the agent ServiceAccount manage Jobs and nothing it should not', async () => {
    const manifest = String(
      (await helm(h.path, ['get', 'manifest', release, '-n', ns.name])).stdout,
    );
    const serviceAccount = parseAllDocuments(manifest)
      .map((d) => d.toJS())
      .find((o) => o?.kind === 'ServiceAccount');
    expect(serviceAccount, 'the chart creates a ServiceAccount for the agent').toBeDefined();
    const as = `system:serviceaccount:${ns.name}:${serviceAccount.metadata.name}`;
    const canI = async (verb: string, resource: string, namespace = ns.name) => {
      const result = await kubectl(['auth', 'can-i', verb, resource, '-n', namespace, '--as', as], {
        reject: false,
      });
      return String(result.stdout).trim();
    };
    expect(await canI('create', 'jobs.batch')).toBe('yes');
    expect(await canI('delete', 'jobs.batch')).toBe('yes');
    expect(await canI('get', 'pods/log')).toBe('yes');
    expect(await canI('list', 'events')).toBe('yes');
    // Denied: secrets, anything cluster-wide, other namespaces, escalation through RBAC.
    expect(await canI('get', 'secrets')).toBe('no');
    expect(await canI('create', 'deployments.apps')).toBe('no');
    expect(await canI('create', 'rolebindings.rbac.authorization.k8s.io')).toBe('no');
    expect(await canI('create', 'jobs.batch', 'default')).toBe('no');
    expect(await canI('list', 'nodes')).toBe('no');
  });

  it('upgrades, then rolls back to the first revision', async () => {
    await helm(h.path, [
      'upgrade',
      release,
      chart,
      '-n',
      ns.name,
      '--wait',
      '--timeout',
      '3m',
      '--set',
      'agent.enabled=true',
      '--set',
      // A UI tag that was published (2022.09.07's pin): the default is 2022-09-14.
      'uiVersionTag=2022-06-02',
    ]);
    // lookup found the generated password: the upgrade keeps it byte for byte
    expect(await passwordSecret()).toEqual(firstPassword);
    const ui = (await deployments()).find((d) => d.metadata.name === `${release}-ui`) as Deployment;
    expect(ui.spec.template.spec.containers[0]?.image).toMatch(/:2022-06-02$/);

    await helm(h.path, ['rollback', release, '1', '-n', ns.name, '--wait', '--timeout', '3m']);
    const history = JSON.parse(
      String((await helm(h.path, ['history', release, '-n', ns.name, '-o', 'json'])).stdout),
    );
    expect(history.map((r: { revision: number }) => r.revision)).toEqual([1, 2, 3]);
    expect(history.at(-1).status).toBe('deployed');
    const rolledBack = (await deployments()).find(
      (d) => d.metadata.name === `${release}-ui`,
    ) as Deployment;
    expect(rolledBack.spec.template.spec.containers[0]?.image).toMatch(/:2022-09-14$/);
  });

  it('uninstalls, keeping only the database password Secret', async () => {
    await helm(h.path, ['uninstall', release, '-n', ns.name, '--wait']);
    expect(await deployments()).toEqual([]);
    const secret = await kubectlJson(['get', 'secret', `${release}-postgresql`, '-n', ns.name]);
    expect(secret.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
    const list = await helm(h.path, ['list', '-n', ns.name, '-q']);
    expect(String(list.stdout).trim()).toBe('');
  });

  it('reinstalls the same release name with the kept password, so a kept volume still opens', async () => {
    await helm(h.path, ['install', release, chart, '-n', ns.name, '--wait', '--timeout', '3m']);
    expect(await passwordSecret()).toEqual(firstPassword);
    await helm(h.path, ['uninstall', release, '-n', ns.name, '--wait']);
  });
});
