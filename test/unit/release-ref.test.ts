// The one rule for a missing -n / --release (src/release/release-ref.ts), over helm's listing.
import { describe, expect, it } from 'vitest';
import {
  candidatesOf,
  checkReleaseLookup,
  chooseRelease,
  installDefaults,
} from '../../src/release/release-ref.js';
import type { HelmRelease } from '../../src/tools/helm.js';

const release = (
  namespace: string,
  name: string,
  chart = 'prefect-server-2022.09.07',
): HelmRelease =>
  ({
    name,
    namespace,
    chart,
    app_version: '',
    revision: '1',
    status: 'deployed',
    updated: '',
  }) as HelmRelease;

describe('chooseRelease (doctor, connect, tenant)', () => {
  it('given both flags: those, nothing looked up', () => {
    expect(chooseRelease({ namespace: 'a', release: 'b' }, [release('x', 'y')])).toMatchObject({
      namespace: 'a',
      release: 'b',
    });
  });

  it('without --release: the only Prefect Server release of the namespace (another chart does not count)', () => {
    const releases = [release('a', 'prefect-server-1678'), release('a', 'redis', 'redis-17.0.0')];
    expect(chooseRelease({ namespace: 'a' }, releases)).toMatchObject({
      namespace: 'a',
      release: 'prefect-server-1678',
    });
  });

  it('without -n: the only Prefect Server release of the cluster, in its own namespace', () => {
    expect(chooseRelease({}, [release('data', 'pf')])).toMatchObject({
      namespace: 'data',
      release: 'pf',
    });
    expect(
      chooseRelease({ release: 'pf' }, [release('data', 'pf'), release('b', 'other')]),
    ).toMatchObject({
      namespace: 'data',
      release: 'pf',
    });
  });

  it('several in the cluster without -n: the only one of namespace prefect, else install defaults', () => {
    expect(chooseRelease({}, [release('prefect', 'x'), release('data', 'y')])).toMatchObject({
      namespace: 'prefect',
      release: 'x',
    });
    expect(chooseRelease({}, [release('a', 'x'), release('b', 'y')])).toMatchObject({
      namespace: 'prefect',
      release: 'prefect-server',
    });
  });

  it('none, several in the namespace, or helm could not list: install defaults for what is missing', () => {
    expect(chooseRelease({ namespace: 'a' }, [])).toMatchObject({
      namespace: 'a',
      release: 'prefect-server',
    });
    expect(chooseRelease({ namespace: 'a' }, [release('a', 'x'), release('a', 'y')])).toMatchObject(
      { namespace: 'a', release: 'prefect-server' },
    );
    expect(chooseRelease({ release: 'r' }, undefined)).toMatchObject({
      namespace: 'prefect',
      release: 'r',
    });
  });

  it('keeps the cluster flags', () => {
    expect(chooseRelease({ context: 'kind-a', kubeconfig: '/k' }, [release('n', 'r')])).toEqual({
      namespace: 'n',
      release: 'r',
      context: 'kind-a',
      kubeconfig: '/k',
    });
  });
});

describe('the pieces', () => {
  it('installDefaults is what doctor --pre targets', () => {
    expect(installDefaults({})).toMatchObject({ namespace: 'prefect', release: 'prefect-server' });
  });

  it('candidatesOf: the named release in any chart, else every Prefect Server release', () => {
    const releases = [release('a', 'x', 'redis-1.0.0'), release('a', 'y'), release('b', 'z')];
    expect(candidatesOf(releases, { release: 'x' }).map((r) => r.name)).toEqual(['x']);
    expect(candidatesOf(releases, {}).map((r) => r.name)).toEqual(['y', 'z']);
    expect(candidatesOf(releases, { namespace: 'a' }).map((r) => r.name)).toEqual(['y']);
  });

  it('checkReleaseLookup refuses a malformed flag with exit 2 and leaves a missing one alone', () => {
    expect(() => checkReleaseLookup({})).not.toThrow();
    expect(() => checkReleaseLookup({ namespace: 'Not_A_Namespace' })).toThrow(/^--namespace: /);
    expect(() => checkReleaseLookup({ release: 'x'.repeat(54) })).toThrow(/^--release: /);
    try {
      checkReleaseLookup({ namespace: 'Bad_NS' });
    } catch (error) {
      expect((error as { exitCode: number }).exitCode).toBe(2);
    }
  });
});
