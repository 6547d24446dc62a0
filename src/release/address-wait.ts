// helm --wait also waits for every LoadBalancer Service to get an address, which never comes on a
// cluster without a load-balancer controller. Whether an apply would wait for one is read from the
// manifest it applies (whatever chart, defaults or values made it), not from our answers.
import { parseAllDocuments } from 'yaml';
import type { KubeObject, Service } from '../tools/kube-objects.js';

/** Names of the Services of type LoadBalancer in a rendered manifest. */
export function loadBalancerServices(manifest: string): string[] {
  const names: string[] = [];
  for (const document of parseAllDocuments(manifest)) {
    const object = document.toJS() as (KubeObject & Omit<Service, 'kind'>) | null;
    if (object?.kind === 'Service' && object.spec?.type === 'LoadBalancer')
      names.push(object.metadata?.name ?? '?');
  }
  return names;
}
