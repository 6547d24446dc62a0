// A failed upgrade: the new ui pod never becomes ready (kwok keeps a pod labelled
// test.prefect-server-install/state=NotReady unready), so helm's --wait runs out.
import { describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { runCli } from './support/cli.js';
import { namespacesForThisFile } from './support/cluster.js';
import { releaseHistory, releaseValues } from './support/release.js';

const namespace = namespacesForThisFile();

const notReady = ['--set', 'ui.labels.test\\.prefect-server-install/state=NotReady'];

describe.each(helms())('upgrade --atomic with $label', (h) => {
  it('rolls a failed upgrade back to the revision-1 values', async () => {
    const ns = await namespace(`e2e-upgrade-atomic-${h.label}`);
    expect((await runCli(h, ['install', '--yes', '-n', ns, '--no-tenant'])).exitCode).toBe(0);
    const installed = await releaseValues(h.path, ns, 1);

    const result = await runCli(h, [
      'upgrade',
      '-n',
      ns,
      '--yes',
      '--atomic',
      '--timeout',
      '20s',
      ...notReady,
    ]);
    expect(result.exitCode, String(result.stdout)).toBe(1);
    expect(result.stderr).toMatch(
      /The upgrade failed \(.+\) and was rolled back \(--atomic\): release prefect-server is at revision 3 \(deployed\), with the values of revision 1\./,
    );
    expect(result.stderr).toContain('Nothing needs recovering.');
    const after = await releaseHistory(h.path, ns);
    expect(after.at(-1)).toMatchObject({ revision: 3, status: 'deployed' });
    expect(after.find((r) => r.revision === 2)?.status).toBe('failed');
    expect(await releaseValues(h.path, ns)).toEqual(installed);
  });
});

describe('upgrade without --atomic', () => {
  const [h3] = helms() as [ReturnType<typeof helms>[0]];

  it('fails naming the pod that is not ready and why, with the command that recovers', async () => {
    const ns = await namespace('e2e-upgrade-fail');
    expect((await runCli(h3, ['install', '--yes', '-n', ns, '--no-tenant'])).exitCode).toBe(0);
    const result = await runCli(h3, [
      'upgrade',
      '-n',
      ns,
      '--yes',
      '--timeout',
      '20s',
      ...notReady,
    ]);
    expect(result.exitCode, String(result.stdout)).toBe(1);
    expect(result.stdout).toContain('Pods that are not ready');
    expect(result.stdout).toMatch(
      /prefect-server-ui-[a-z0-9]+-[a-z0-9]+: ui running but not ready \(its readiness probe fails\)/,
    );
    expect(result.stderr).toContain('Release prefect-server is in state: failed');
    expect(result.stderr).toContain(
      `To recover: prefect-server upgrade -n ${ns} --release prefect-server (it offers to roll back first), or: helm rollback prefect-server 1 -n ${ns}.`,
    );
    expect((await releaseHistory(h3.path, ns)).at(-1)).toMatchObject({
      revision: 2,
      status: 'failed',
    });
  });
});
