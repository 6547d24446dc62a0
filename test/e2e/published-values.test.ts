// Every values.yaml the original chart published (../shared/original-chart/values, 18 releases)
// installed with our chart on the real API server, and the existing-Secret key found in the
// cluster as the released charts of each era wrote it. kwok runs pods whatever they name, so every
// Secret, key, ConfigMap, ServiceAccount and image the pods name is checked to exist.
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type HelmUnderTest, helms } from '../support/tools.js';
import { runCli } from './support/cli.js';
import {
  createPasswordSecret,
  helm,
  kubectl,
  kubectlJson,
  namespacesForThisFile,
} from './support/cluster.js';
import { assertPodReferencesExist } from './support/pod-references.js';

const chart = resolve(import.meta.dirname, '../../chart');
const published = resolve(import.meta.dirname, '../../../shared/original-chart/values');
const versions = readdirSync(published).map((file) => file.replace(/\.yaml$/, ''));
const [helm3, helm4] = helms();
const namespace = namespacesForThisFile();

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are read by deep paths.
type K8s = Record<string, any>;

async function availableDeployments(ns: string): Promise<string[]> {
  // The published values make apollo and the UI LoadBalancers, whose address never comes here:
  // helm runs without --wait and the workloads are waited for instead.
  await kubectl([
    'wait',
    '--for=condition=Available',
    'deployment',
    '--all',
    '-n',
    ns,
    '--timeout=180s',
  ]);
  const list = await kubectlJson<{ items: K8s[] }>(['get', 'deployments', '-n', ns]);
  return list.items.map((d) => d.metadata.name).sort();
}

async function passwordRefs(ns: string): Promise<Set<string>> {
  const list = await kubectlJson<{ items: K8s[] }>(['get', 'deployments', '-n', ns]);
  const refs = new Set<string>();
  for (const d of list.items)
    for (const c of [
      ...(d.spec.template.spec.initContainers ?? []),
      ...d.spec.template.spec.containers,
    ])
      for (const env of c.env ?? [])
        if (env.valueFrom?.secretKeyRef)
          refs.add(`${env.valueFrom.secretKeyRef.name}/${env.valueFrom.secretKeyRef.key}`);
  return refs;
}

/** helm install of our chart as release `prefect`, with the given values arguments. */
function installOurChart(h: HelmUnderTest, ns: string, args: string[]) {
  return helm(h.path, ['install', 'prefect', chart, '-n', ns, ...args]);
}

describe('every published values file of the original chart, installed with our chart', () => {
  it('covers the 18 releases', () => {
    expect(versions).toHaveLength(18);
  });

  // Half on helm 3, half on helm 4, three at a time: each is a whole install.
  it.concurrent.each(versions.map((v, i) => [v, i % 2 === 0 ? helm3 : helm4] as const))(
    '%s',
    async (version, h) => {
      if (!h) throw new Error('helm 3 and 4 are both needed');
      const ns = await namespace(`e2e-pub-${version.replace(/\./g, '')}`);
      await installOurChart(h, ns, [
        '-f',
        resolve(published, `${version}.yaml`),
        '--timeout',
        '5m',
      ]);
      expect(await availableDeployments(ns)).toEqual([
        'prefect-apollo',
        'prefect-graphql',
        'prefect-hasura',
        'prefect-towel',
        'prefect-ui',
      ]);
      await assertPodReferencesExist(ns);
      const services = await kubectlJson<{ items: K8s[] }>(['get', 'services', '-n', ns]);
      const types = Object.fromEntries(services.items.map((s) => [s.metadata.name, s.spec.type]));
      // The published defaults asked for LoadBalancers, and get them.
      expect(types['prefect-apollo']).toBe('LoadBalancer');
      expect(types['prefect-ui']).toBe('LoadBalancer');
    },
  );
});

describe.each(helms())('an existing password Secret of either era, with $label', (h) => {
  it.each([
    ['postgresql-password', 'a Secret written for charts up to 2022.04.14'],
    ['postgres-password', 'a Secret written for 2022.09.x'],
  ])('holding only %s (%s): the pods read that key', async (key) => {
    const ns = await namespace(`e2e-pub-key-${h.majorVersion}`);
    await createPasswordSecret(ns, 'db-pass', key);
    await installOurChart(h, ns, [
      '--set',
      'postgresql.useSubChart=false',
      '--set',
      'postgresql.externalHostname=db.example.com',
      '--set',
      'postgresql.existingSecret=db-pass',
      '--wait',
      '--timeout',
      '3m',
    ]);
    expect([...(await passwordRefs(ns))]).toEqual([`db-pass/${key}`]);
    await assertPodReferencesExist(ns);
  });

  it('the CLI, given a Secret that holds only the seed-era key, installs pods that read it', async () => {
    const ns = await namespace(`e2e-pub-cli-${h.majorVersion}`);
    await createPasswordSecret(ns, 'old-db', 'postgresql-password');
    const result = await runCli(h, [
      'install',
      '-n',
      ns,
      '--database',
      'external',
      '--db-host',
      'db.example.com',
      '--db-existing-secret',
      'old-db',
      '--no-tenant',
      '--yes',
    ]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect([...(await passwordRefs(ns))]).toEqual(['old-db/postgresql-password']);
    await assertPodReferencesExist(ns);
  });
});
