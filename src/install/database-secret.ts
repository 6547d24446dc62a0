import type { InstallPlan } from '../plan/install-plan.js';
import type { Kubectl } from '../tools/kubectl.js';

/**
 * Stores a typed external-database password in a Secret of its own, through kubectl's standard
 * input, so the password is in no argv and no file. Both keys are written so the Secret serves
 * charts of either era (postgresql-password before 2022.09.07, postgres-password after).
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
        'app.kubernetes.io/managed-by': 'prefect-server-install',
        'app.kubernetes.io/instance': plan.release,
      },
    },
    stringData: { 'postgres-password': value.reveal(), 'postgresql-password': value.reveal() },
  });
  await kubectl.apply(manifest, plan.namespace);
  return secretName;
}
