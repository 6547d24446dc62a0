import { describe, expect, it } from 'vitest';
import {
  type DatabaseVolume,
  describeResize,
  planVolumeResize,
  sizeOverride,
  stateAfterFailedUpgrade,
} from '../../src/upgrade/db-volume.js';
import { compareQuantities, quantityNanos } from '../../src/upgrade/quantity.js';

describe('compareQuantities', () => {
  it.each([
    ['2Gi', '1Gi', 1],
    ['1Gi', '1024Mi', 0],
    ['1.5Gi', '1536Mi', 0],
    ['1G', '1Gi', -1],
    ['1000M', '1G', 0],
    ['1e9', '1G', 0],
    ['2e3', '2k', 0],
    ['500m', '1', -1],
    ['1Ti', '1023Gi', 1],
    ['8Gi', '10Gi', -1],
    ['.5Gi', '512Mi', 0],
    ['1Ei', '1152921504606846975', 1],
  ])('%s vs %s -> %i', (a, b, want) => {
    expect(compareQuantities(a, b)).toBe(want);
  });

  it('refuses what is not a quantity', () => {
    expect(quantityNanos('ten')).toBeUndefined();
    expect(quantityNanos('1GB')).toBeUndefined();
    expect(() => compareQuantities('1Gb', '1Gi')).toThrow('not a Kubernetes quantity');
  });
});

const volume: DatabaseVolume = {
  namespace: 'prefect',
  statefulSet: 'prefect-server-postgresql',
  statefulSetExists: true,
  templateSize: '1Gi',
  claim: 'data-prefect-server-postgresql-0',
  request: '1Gi',
  phase: 'Bound',
  storageClass: 'grow',
  allowExpansion: true,
};

describe('planVolumeResize', () => {
  it('grows the claim and replaces the StatefulSet', () => {
    expect(planVolumeResize(volume, '2Gi')).toEqual({ growClaim: true, replaceStatefulSet: true });
  });

  it('refuses a smaller size, naming the rule', () => {
    const plan = planVolumeResize({ ...volume, request: '2Gi' }, '1536Mi');
    expect(plan.problem?.message).toContain('a volume can grow, never shrink');
    expect(plan.problem?.message).toContain('current 2Gi');
    expect(plan.growClaim || plan.replaceStatefulSet).toBe(false);
  });

  it('refuses growth on a StorageClass without allowVolumeExpansion', () => {
    const plan = planVolumeResize(
      { ...volume, allowExpansion: false, storageClass: 'fixed' },
      '2Gi',
    );
    expect(plan.problem?.message).toContain(
      'StorageClass fixed of claim data-prefect-server-postgresql-0 does not allow volume expansion',
    );
    expect(plan.problem?.hint).toContain('kubectl patch storageclass fixed');
  });

  it('refuses growth of a claim without a class or not bound', () => {
    expect(
      planVolumeResize({ ...volume, storageClass: undefined }, '2Gi').problem?.message,
    ).toContain('has no StorageClass');
    expect(planVolumeResize({ ...volume, phase: 'Pending' }, '2Gi').problem?.message).toContain(
      'only a bound claim can grow',
    );
  });

  it('refuses a malformed size with the plan rule', () => {
    expect(planVolumeResize(volume, '2GB').problem?.message).toContain(
      'is not a Kubernetes quantity',
    );
    expect(planVolumeResize(volume, '0').problem?.message).toContain('greater than zero');
  });

  it('the same size on a non-expandable class is no change, not a refusal', () => {
    expect(planVolumeResize({ ...volume, allowExpansion: false }, '1024Mi')).toEqual({
      growClaim: false,
      replaceStatefulSet: false,
    });
    expect(planVolumeResize(volume, '1Gi')).toEqual({
      growClaim: false,
      replaceStatefulSet: false,
    });
  });

  it('finishes an interrupted resize: claim grown, StatefulSet gone', () => {
    const halfway = {
      ...volume,
      request: '2Gi',
      statefulSetExists: false,
      templateSize: undefined,
    };
    expect(planVolumeResize(halfway, '2Gi')).toEqual({
      growClaim: false,
      replaceStatefulSet: false,
    });
    expect(describeResize(halfway, '2Gi', planVolumeResize(halfway, '2Gi')).at(-1)).toContain(
      'recreates StatefulSet prefect-server-postgresql',
    );
  });
});

describe('sizeOverride', () => {
  it('sets the key each era reads', () => {
    expect(sizeOverride('2022.09', '2Gi')).toEqual({
      postgresql: { primary: { persistence: { size: '2Gi' } } },
    });
    expect(sizeOverride('seed', '2Gi')).toEqual({ postgresql: { persistence: { size: '2Gi' } } });
  });
});

describe('stateAfterFailedUpgrade', () => {
  it('says what changed and the command that finishes', () => {
    const text = stateAfterFailedUpgrade(volume, 'prefect-server', '2Gi', {
      growClaim: true,
      replaceStatefulSet: true,
    });
    expect(text).toContain('claim data-prefect-server-postgresql-0 was grown to 2Gi');
    expect(text).toContain('--cascade=orphan');
    expect(text).toContain(
      'prefect-server upgrade -n prefect --release prefect-server --db-size 2Gi --yes',
    );
  });
});
