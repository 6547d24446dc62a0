// `prefect-server upgrade --db-size`: growing the bundled database's volume on the real API server,
// whose PersistentVolumeClaimResize admission lets a claim grow only when it is bound and its
// StorageClass has allowVolumeExpansion: true. The cluster has no dynamic provisioner, so the
// StorageClasses and PersistentVolumes the claims bind to are made here (cluster-scoped, unique
// names, deleted afterwards); the real PV controller binds them.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { cliBin, cliEnv, runCli } from './support/cli.js';
import { createNamespace, eventually, kubectl, kubectlJson } from './support/cluster.js';
import { lastRevision, passwordData, releaseValues } from './support/release.js';
import { keys, Terminal } from './support/terminal.js';

const suffix = randomBytes(3).toString('hex');
const growClass = `e2e-grow-${suffix}`;
const fixedClass = `e2e-fixed-${suffix}`;
const volumes: { name: string; storageClass: string }[] = [
  { name: `${growClass}-0`, storageClass: growClass },
  { name: `${growClass}-1`, storageClass: growClass },
  { name: `${growClass}-2`, storageClass: growClass },
  { name: `${growClass}-3`, storageClass: growClass },
  { name: `${fixedClass}-0`, storageClass: fixedClass },
];

const storageClass = (name: string, allowVolumeExpansion: boolean) => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name },
  provisioner: 'kubernetes.io/no-provisioner',
  reclaimPolicy: 'Retain',
  volumeBindingMode: 'Immediate',
  allowVolumeExpansion,
});

const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  const objects = [
    storageClass(growClass, true),
    storageClass(fixedClass, false),
    ...volumes.map(({ name, storageClass }) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name },
      spec: {
        storageClassName: storageClass,
        capacity: { storage: '5Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Retain',
        hostPath: { path: `/tmp/prefect-test-${name}` },
      },
    })),
  ];
  await kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  });
});
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
  await kubectl(
    [
      'delete',
      'persistentvolume',
      ...volumes.map((v) => v.name),
      '--ignore-not-found',
      '--wait=false',
    ],
    { reject: false },
  );
  await kubectl(
    ['delete', 'storageclass', growClass, fixedClass, '--ignore-not-found', '--wait=false'],
    { reject: false },
  );
});

async function namespace(prefix: string): Promise<string> {
  const ns = await createNamespace(prefix);
  cleanups.push(ns.remove);
  return ns.name;
}

const claimName = 'data-prefect-server-postgresql-0';
const claim = async (ns: string) => kubectlJson(['get', 'pvc', claimName, '-n', ns]);
const statefulSet = async (ns: string) =>
  kubectlJson(['get', 'statefulset', 'prefect-server-postgresql', '-n', ns]);
async function installWithVolume(
  h: ReturnType<typeof helms>[0],
  ns: string,
  storageClassName: string,
) {
  const installed = await runCli(h, [
    'install',
    '--yes',
    '-n',
    ns,
    '--no-tenant',
    '--db-persistence',
    '--db-size',
    '1Gi',
    '--db-storage-class',
    storageClassName,
  ]);
  expect(installed.exitCode, String(installed.stderr)).toBe(0);
  const bound = await eventually('the database claim to be bound', async () => {
    const c = await claim(ns);
    return c.status?.phase === 'Bound' ? c : undefined;
  });
  expect(bound.spec.storageClassName).toBe(storageClassName);
  expect(bound.spec.resources.requests.storage).toBe('1Gi');
}

describe.each(helms())('upgrade --db-size with $label', (h) => {
  it('grows the volume (claim, StatefulSet template, values), keeps the password and the pod; refuses to shrink', async () => {
    const ns = await namespace(`e2e-upgrade-vol-${h.label}`);
    await installWithVolume(h, ns, growClass);
    const before = {
      password: await passwordData(ns),
      statefulSet: (await statefulSet(ns)).metadata.uid,
      pod: (await kubectlJson(['get', 'pod', 'prefect-server-postgresql-0', '-n', ns])).metadata
        .uid,
    };

    // --dry-run shows the steps and does none of them.
    const dry = await runCli(h, ['upgrade', '-n', ns, '--db-size', '2Gi', '--dry-run']);
    expect(dry.exitCode, String(dry.stderr)).toBe(0);
    expect(dry.stdout).toContain('~ postgresql.primary.persistence.size: "1Gi" -> "2Gi"');
    expect(dry.stdout).toContain('~ StatefulSet/prefect-server-postgresql');
    expect(dry.stdout).toContain(
      `database volume: claim ${claimName} (StorageClass ${growClass}) 1Gi -> 2Gi`,
    );
    expect(dry.stdout).toContain(
      'kubectl delete statefulset prefect-server-postgresql --cascade=orphan',
    );
    expect(dry.stdout).toContain('Dry run: nothing was changed.');
    expect((await claim(ns)).spec.resources.requests.storage).toBe('1Gi');
    expect((await statefulSet(ns)).metadata.uid).toBe(before.statefulSet);

    const grown = await runCli(h, ['upgrade', '-n', ns, '--db-size', '2Gi', '--yes']);
    expect(grown.exitCode, String(grown.stderr)).toBe(0);
    expect(grown.stdout).toContain(`Claim ${claimName} requests 2Gi`);
    expect(grown.stdout).toMatch(/Upgraded: prefect-server is at revision 2 \(deployed\)/);
    expect(await lastRevision(h.path, ns)).toEqual({ number: 2, status: 'deployed' });
    expect((await claim(ns)).spec.resources.requests.storage).toBe('2Gi');
    const set = await statefulSet(ns);
    expect(set.metadata.uid).not.toBe(before.statefulSet);
    expect(set.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('2Gi');
    expect(await passwordData(ns)).toEqual(before.password);
    // --cascade=orphan: the database pod was never deleted, the new StatefulSet adopted it.
    const pod = await kubectlJson(['get', 'pod', 'prefect-server-postgresql-0', '-n', ns]);
    expect(pod.metadata.uid).toBe(before.pod);
    expect(pod.metadata.ownerReferences[0].uid).toBe(set.metadata.uid);
    const values = await releaseValues(h.path, ns);
    expect(values.postgresql.primary.persistence).toEqual({
      enabled: true,
      size: '2Gi',
      storageClass: growClass,
    });

    const shrink = await runCli(h, ['upgrade', '-n', ns, '--db-size', '1536Mi', '--yes']);
    expect(shrink.exitCode).toBe(2);
    expect(shrink.stderr).toContain(
      `Database volume size 1536Mi is smaller than the volume's current 2Gi (claim ${claimName}): a volume can grow, never shrink.`,
    );
    expect(await lastRevision(h.path, ns)).toEqual({ number: 2, status: 'deployed' });
    expect((await claim(ns)).spec.resources.requests.storage).toBe('2Gi');
    expect((await statefulSet(ns)).metadata.uid).toBe(set.metadata.uid);
  });
});

describe('upgrade --db-size refusals', () => {
  const [h3, h4] = helms() as [ReturnType<typeof helms>[0], ReturnType<typeof helms>[0]];

  it('refuses to grow a volume whose StorageClass does not allow expansion; nothing changes', async () => {
    const ns = await namespace('e2e-upgrade-vol-fixed');
    await installWithVolume(h4, ns, fixedClass);
    const uid = (await statefulSet(ns)).metadata.uid;
    const result = await runCli(h4, ['upgrade', '-n', ns, '--db-size', '2Gi', '--yes']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `StorageClass ${fixedClass} of claim ${claimName} does not allow volume expansion (allowVolumeExpansion is not true)`,
    );
    expect(await lastRevision(h4.path, ns)).toEqual({ number: 1, status: 'deployed' });
    expect((await claim(ns)).spec.resources.requests.storage).toBe('1Gi');
    expect((await statefulSet(ns)).metadata.uid).toBe(uid);
    // The API server's own rule agrees: the same patch is forbidden there.
    const direct = await kubectl(
      [
        'patch',
        'pvc',
        claimName,
        '-n',
        ns,
        '--type',
        'merge',
        '-p',
        '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}',
        '--dry-run=server',
      ],
      { reject: false },
    );
    expect(direct.stderr).toContain(
      'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
    );
  });

  it('a resize whose helm upgrade fails says what state it left and the command that finishes it', async () => {
    const ns = await namespace('e2e-upgrade-vol-fail');
    await installWithVolume(h3, ns, growClass);
    const failed = await runCli(h3, [
      'upgrade',
      '-n',
      ns,
      '--db-size',
      '2Gi',
      '--yes',
      '--timeout',
      '20s',
      '--set',
      'ui.labels.test\\.prefect-server-install/state=NotReady',
    ]);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain('Release prefect-server is in state: failed');
    expect(failed.stderr).toContain(
      `Database volume: claim ${claimName} was grown to 2Gi; StatefulSet prefect-server-postgresql was deleted with --cascade=orphan`,
    );
    const resume = `prefect-server upgrade -n ${ns} --release prefect-server --db-size 2Gi --yes`;
    expect(failed.stderr).toContain(resume);
    expect((await claim(ns)).spec.resources.requests.storage).toBe('2Gi');

    // The printed command finishes it: roll back (the StatefulSet is replaced for that), then resize.
    const finished = await runCli(h3, resume.split(' ').slice(1));
    expect(finished.exitCode, String(finished.stderr)).toBe(0);
    expect(finished.stderr).toContain(
      'deleted with --cascade=orphan (its pod keeps running) for the rollback to recreate it',
    );
    expect(finished.stdout).toContain('Rolled back to revision 1');
    expect(await lastRevision(h3.path, ns)).toEqual({ number: 4, status: 'deployed' });
    expect((await claim(ns)).spec.resources.requests.storage).toBe('2Gi');
    expect(
      (await statefulSet(ns)).spec.volumeClaimTemplates[0].spec.resources.requests.storage,
    ).toBe('2Gi');
  });

  it('the upgrade menu offers the volume size, refuses a smaller one and grows it', async () => {
    const ns = await namespace('e2e-upgrade-vol-menu');
    await installWithVolume(h4, ns, growClass);
    const term = new Terminal(['node', cliBin, 'upgrade', '-n', ns], cliEnv(h4, { CI: '' }));
    try {
      let at = await term.waitFor('database volume size (now 1Gi)');
      // agent, exposure, image versions, tenant Job, image pull Secrets, database volume size
      term.type(keys.down.repeat(5));
      term.type(' ');
      term.type(keys.enter);
      at = await term.waitFor('Database volume size (now 1Gi; it can grow, not shrink)', at);
      term.type('512Mi');
      term.type(keys.enter);
      at = await term.waitFor('a volume can grow, never shrink', at);
      term.type('\x7f'.repeat(5));
      term.type('3Gi');
      term.type(keys.enter);
      at = await term.waitFor(
        `database volume: claim ${claimName} (StorageClass ${growClass}) 1Gi -> 3Gi`,
        at,
      );
      at = await term.answer('Apply this upgrade to prefect-server?', '', at);
      await term.waitFor(/Upgraded: prefect-server is at revision 2 \(deployed\)/, at, 180_000);
      expect(await term.exitCode()).toBe(0);
    } finally {
      term.kill();
    }
    expect((await claim(ns)).spec.resources.requests.storage).toBe('3Gi');
    expect(
      (await statefulSet(ns)).spec.volumeClaimTemplates[0].spec.resources.requests.storage,
    ).toBe('3Gi');
  });

  it('refuses --db-size without a volume, a bad size, and a persistence or class change', async () => {
    const ns = await namespace('e2e-upgrade-vol-none');
    expect((await runCli(h3, ['install', '--yes', '-n', ns, '--no-tenant'])).exitCode).toBe(0);
    const none = await runCli(h3, ['upgrade', '-n', ns, '--db-size', '2Gi', '--yes']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('has no volume of its own');
    const bad = await runCli(h3, ['upgrade', '-n', ns, '--db-size', '2GB', '--yes']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('"2GB" is not a Kubernetes quantity');
    const persistence = await runCli(h3, ['upgrade', '-n', ns, '--db-persistence', '--yes']);
    expect(persistence.exitCode).toBe(2);
    expect(persistence.stderr).toContain('--db-persistence cannot be changed by upgrade');
    const storage = await runCli(h3, [
      'upgrade',
      '-n',
      ns,
      '--db-storage-class',
      growClass,
      '--yes',
    ]);
    expect(storage.exitCode).toBe(2);
    expect(storage.stderr).toContain('--db-storage-class cannot be changed by upgrade');
    expect(await lastRevision(h3.path, ns)).toEqual({ number: 1, status: 'deployed' });
  });
});
