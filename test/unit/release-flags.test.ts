// The one writer of the flags that name a release on a printed command.
import { describe, expect, it } from 'vitest';
import { targetLine } from '../../src/release/release-flags.js';

describe('targetLine', () => {
  it('-n always; --release only when not the default, unless the command must name it', () => {
    expect(targetLine({ namespace: 'prefect', release: 'prefect-server' })).toBe('-n prefect');
    expect(targetLine({ namespace: 'prefect', release: 'pf' })).toBe('-n prefect --release pf');
    expect(
      targetLine({ namespace: 'prefect', release: 'prefect-server' }, { alwaysRelease: true }),
    ).toBe('-n prefect --release prefect-server');
  });

  it('--context and --kubeconfig when given, so the copied command reaches the same cluster', () => {
    // doctor's hints used to drop --kubeconfig, install's next steps both.
    expect(
      targetLine({
        namespace: 'team',
        release: 'prod',
        context: 'kind-dev',
        kubeconfig: '/home/me/my configs/k.yaml',
      }),
    ).toBe("-n team --release prod --context kind-dev --kubeconfig '/home/me/my configs/k.yaml'");
  });
});
