// doctor's release checks: each state Helm leaves a release in, and the command that recovers it.
import { describe, expect, it } from 'vitest';
import { judgeReleaseStatus, schemaProblems, splitChart } from '../../src/checks/release.js';
import type { HelmHistoryEntry, HelmRelease } from '../../src/tools/helm.js';

const release = (status: string, revision = 3): HelmRelease => ({
  name: 'prefect-server',
  namespace: 'prefect',
  revision: String(revision),
  updated: '',
  status,
  chart: 'prefect-server-0.1.0',
  app_version: '2022.09.23',
});
const entry = (revision: number, status: string, description = ''): HelmHistoryEntry => ({
  revision,
  status,
  description,
  updated: '',
  chart: 'prefect-server-0.1.0',
  app_version: '2022.09.23',
});
const target = '-n prefect';

describe('release-status', () => {
  it('deployed passes', () => {
    expect(judgeReleaseStatus(release('deployed'), [], target)).toMatchObject({
      status: 'pass',
      message: 'deployed, revision 3',
    });
  });

  it('an interrupted first install: run the install again, or uninstall', () => {
    const result = judgeReleaseStatus(
      release('pending-install', 1),
      [entry(1, 'pending-install')],
      target,
    );
    expect(result.status).toBe('fail');
    expect(result.hint).toContain('prefect-server install -n prefect');
    expect(result.hint).toContain('helm uninstall prefect-server -n prefect');
  });

  it('an interrupted upgrade: roll back to the last good revision', () => {
    const history = [entry(1, 'superseded'), entry(2, 'deployed'), entry(3, 'pending-upgrade')];
    const result = judgeReleaseStatus(release('pending-upgrade'), history, target);
    expect(result.status).toBe('fail');
    expect(result.message).toContain('an upgrade was interrupted');
    expect(result.hint).toContain('helm rollback prefect-server 2 -n prefect');
  });

  it('a failed upgrade names helm’s reason and the rollback', () => {
    const history = [
      entry(2, 'deployed'),
      entry(3, 'failed', 'Upgrade "prefect-server" failed: context deadline exceeded'),
    ];
    const result = judgeReleaseStatus(release('failed'), history, target);
    expect(result.message).toBe(
      'revision 3 failed (Upgrade "prefect-server" failed: context deadline exceeded)',
    );
    expect(result.hint).toContain('prefect-server upgrade -n prefect');
    expect(result.hint).toContain('helm rollback prefect-server 2 -n prefect');
  });

  it('a failed first install: install again (it replaces a failed first install)', () => {
    const result = judgeReleaseStatus(release('failed', 1), [entry(1, 'failed')], target);
    expect(result.hint).toContain('The first install failed');
    expect(result.hint).toContain('prefect-server install -n prefect');
    expect(result.hint).not.toContain('rollback');
  });

  it('uninstalling and unknown states warn', () => {
    expect(judgeReleaseStatus(release('uninstalling'), [], target).status).toBe('warn');
    expect(judgeReleaseStatus(release('unknown'), [], target).status).toBe('warn');
  });
});

describe('chart and values', () => {
  it('splits chart names from versions, SemVer pre-releases and CalVer included', () => {
    expect(splitChart('prefect-server-0.1.0')).toEqual({
      name: 'prefect-server',
      version: '0.1.0',
    });
    expect(splitChart('prefect-server-2022.09.23')).toEqual({
      name: 'prefect-server',
      version: '2022.09.23',
    });
    expect(splitChart('prefect-server-1.0.0-rc.1')).toEqual({
      name: 'prefect-server',
      version: '1.0.0-rc.1',
    });
  });

  it('reads the schema complaints out of helm’s error', () => {
    const stderr = `Error: values don't meet the specifications of the schema(s) in the following chart(s):
prefect-server:
- at '/apollo/service/type': value must be one of 'ClusterIP', 'NodePort', 'LoadBalancer'
- at '/ui/replicas': got string, want integer
`;
    expect(schemaProblems(stderr)).toEqual([
      "at '/apollo/service/type': value must be one of 'ClusterIP', 'NodePort', 'LoadBalancer'",
      "at '/ui/replicas': got string, want integer",
    ]);
    expect(
      schemaProblems(
        'Error: execution error at (x): postgresql.externalHostname is required\n\nUse --debug flag to render out invalid YAML\n',
      ),
    ).toEqual(['execution error at (x): postgresql.externalHostname is required']);
  });
});
