// Which earlier releases a re-run of install may replace: only a first install that never reached
// deployed (interrupted or failed); anything ever deployed belongs to upgrade.
import { describe, expect, it } from 'vitest';
import { type ReleaseRecord, unfinishedInstall } from '../../src/release/release-records.js';

const records = (...statuses: string[]): ReleaseRecord[] =>
  statuses.map((status, i) => ({ revision: i + 1, status, chart: '' }));

describe('unfinishedInstall', () => {
  it('names the state of a first install that never finished', () => {
    expect(unfinishedInstall(records('pending-install'))).toBe('pending-install');
    expect(unfinishedInstall(records('failed'))).toBe('failed');
    expect(unfinishedInstall(records('failed', 'failed'))).toBe('failed');
  });

  it('leaves alone a release that was ever deployed, or that does not exist', () => {
    expect(unfinishedInstall([])).toBeUndefined();
    expect(unfinishedInstall(records('deployed'))).toBeUndefined();
    expect(unfinishedInstall(records('superseded', 'failed'))).toBeUndefined();
    expect(unfinishedInstall(records('superseded', 'pending-upgrade'))).toBeUndefined();
    expect(unfinishedInstall(records('uninstalling'))).toBeUndefined();
  });
});
