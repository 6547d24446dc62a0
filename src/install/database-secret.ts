import type { InstallPlan } from '../plan/install-plan.js';
import { instanceLabel, managedByLabel } from '../release/labels.js';
import type { Kubectl } from '../tools/kubectl.js';

/**
 * The keys of a Secret the CLI creates: the password under both, so the Secret serves every chart
 * that may read it (`postgresql-password` up to 2022.04.14, `postgres-password` from 2022.09.07,
 * either for our chart), including the target of a later upgrade across 2022.09.07.
 */
export const storedPasswordKeys = ['postgres-password', 'postgresql-password'] as const;

/**
 * Stores a typed external-database password in a Secret of its own, through kubectl's standard
 * input, so the password is in no argv and no file.
 */
export async function storeExternalDatabasePassword(
  plan: InstallPlan,
  kubectl: Kubectl,
): Promise<string | undefined> {
  if (plan.database.mode !== 'external' || plan.database.password.source !== 'new-secret')
    return undefined;
  const { secretName, value } = plan.database.password;
  const manifest = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: secretName,
      namespace: plan.namespace,
      labels: {
        [managedByLabel]: 'prefect-server-install',
        [instanceLabel]: plan.release,
      },
    },
    stringData: Object.fromEntries(storedPasswordKeys.map((key) => [key, value.reveal()])),
  });
  await kubectl.apply(manifest, plan.namespace);
  return secretName;
}
