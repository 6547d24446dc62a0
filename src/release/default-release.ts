// Which release a command means when --release is not given. The seed manual installs with
// `helm install prefecthq/prefect-server --generate-name`, so a release installed by hand is named
// `prefect-server-<number>`, not our default: the only Prefect Server release of the namespace is
// the one meant. None, several, or no helm to ask: the default name, and the command says what
// it did not find as it always did.
import { Helm } from '../tools/helm.js';
import { isPrefectServerRelease } from './find-release.js';

export async function onlyReleaseIn(
  target: { kubeconfig?: string | undefined; context?: string | undefined },
  namespace: string,
): Promise<string | undefined> {
  try {
    const helm = await Helm.create(target);
    const ours = (await helm.list(namespace)).filter(isPrefectServerRelease);
    return ours.length === 1 ? ours[0]?.name : undefined;
  } catch {
    return undefined;
  }
}
