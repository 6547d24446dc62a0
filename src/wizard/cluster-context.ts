import { bundledChartDefaults, listRepoVersions } from '../release/chart-source.js';
import { Helm } from '../tools/helm.js';
import type { KubeList, NamedObject } from '../tools/kube-objects.js';
import type { Kubectl } from '../tools/kubectl.js';
import { passwordSecretKeys } from '../values/values-era.js';
import type { ClusterFacts, NamedClass, WizardContext } from './wizard-context.js';

function classes(list: KubeList<NamedObject>, annotation: string): NamedClass[] {
  return list.items.map((item) => ({
    name: item.metadata.name,
    isDefault: item.metadata.annotations?.[annotation] === 'true',
  }));
}

/** What the wizard may know, read from the cluster with kubectl for the context the user picks. */
export async function wizardContextFromCluster(
  kubectl: Kubectl,
  forContext: (context: string | undefined) => Kubectl,
): Promise<WizardContext> {
  return {
    contexts: await kubectl.contexts(),
    async loadFacts(context): Promise<ClusterFacts> {
      const k = forContext(context);
      const [namespaces, storage, ingress] = await Promise.all([
        k
          .json<KubeList<NamedObject>>(['get', 'namespaces'], { timeoutMs: 15_000 })
          .catch(() => ({ items: [] })),
        k
          .json<KubeList<NamedObject>>(['get', 'storageclasses'], { timeoutMs: 15_000 })
          .catch(() => ({ items: [] })),
        k
          .json<KubeList<NamedObject>>(['get', 'ingressclasses'], { timeoutMs: 15_000 })
          .catch(() => ({ items: [] })),
      ]);
      return {
        namespaces: namespaces.items.map((n) => n.metadata.name),
        storageClasses: classes(storage, 'storageclass.kubernetes.io/is-default-class'),
        ingressClasses: classes(ingress, 'ingressclass.kubernetes.io/is-default-class'),
      };
    },
    chartDefaults: bundledChartDefaults(),
    async listRepoVersions(repoUrl) {
      // Repository commands need no cluster: the user's helm configuration is enough.
      const helm = await Helm.create({});
      return listRepoVersions(helm, repoUrl);
    },
    async checkExistingSecret(context, namespace, name, era = 'bundled') {
      const k = forContext(context);
      const found = await k.run(
        ['get', 'secret', name, '--namespace', namespace, '--ignore-not-found', '--output', 'json'],
        {
          timeoutMs: 15_000,
        },
      );
      if (found.stdout.trim() === '')
        return `Secret ${name} does not exist in namespace ${namespace}.`;
      const keys = passwordSecretKeys(era);
      const data = (JSON.parse(found.stdout) as { data?: Record<string, string> }).data ?? {};
      return keys.some((key) => key in data)
        ? undefined
        : `Secret ${name} has no key ${keys.join(' or ')} (it has: ${Object.keys(data).join(', ') || 'none'}).`;
    },
  };
}
