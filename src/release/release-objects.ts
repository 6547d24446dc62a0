// The release's apollo and UI, found by the chart's labels (never by name: names differ with
// includeChartNameInComponents and long release names). The address each is reached at from
// outside the cluster is read by addresses.ts.
import { UserError } from '../errors.js';
import { type KubeApi, selectorQuery } from '../tools/kube-api.js';
import type { Ingress, KubeList, NamedObject, Service } from '../tools/kube-objects.js';
import { componentLabel, instanceLabel } from './labels.js';

export type Component = 'apollo' | 'ui';

/** One selector for both components, so one request finds them. */
export function releaseSelector(release: string): string {
  return `${instanceLabel}=${release},${componentLabel} in (apollo,ui)`;
}

/** The object of a component (the first by name, should a user have added a second). */
export function pickComponent<T extends NamedObject>(
  items: readonly T[],
  release: string,
  component: Component,
): T | undefined {
  return items
    .filter(
      (item) =>
        item.metadata.labels?.[instanceLabel] === release &&
        item.metadata.labels?.[componentLabel] === component,
    )
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))[0];
}

/** The port the chart names `http`, else the first one. */
export function servicePort(service: Service): number {
  const ports = service.spec.ports ?? [];
  const port = ports.find((p) => p.name === 'http') ?? ports[0];
  if (port === undefined) throw new UserError(`Service ${service.metadata.name} has no port.`);
  return port.port;
}

export interface ReleaseObjects {
  apollo: Service;
  ui: Service;
  apolloIngress?: Ingress | undefined;
  uiIngress?: Ingress | undefined;
}

export interface ReleaseRef {
  namespace: string;
  release: string;
}

/** The apollo and UI Services of a release (and their Ingresses when `withIngresses`). */
export async function findReleaseObjects(
  api: KubeApi,
  ref: ReleaseRef,
  withIngresses = false,
): Promise<ReleaseObjects> {
  const selector = releaseSelector(ref.release);
  const query = selectorQuery(selector);
  const services = await api.get<KubeList<Service>>(
    `/api/v1/namespaces/${ref.namespace}/services${query}`,
    { timeoutMs: 30_000 },
  );
  const apollo = pickComponent(services?.items ?? [], ref.release, 'apollo');
  const ui = pickComponent(services?.items ?? [], ref.release, 'ui');
  if (!apollo || !ui) {
    const missing = [apollo ? undefined : 'apollo', ui ? undefined : 'ui']
      .filter(Boolean)
      .join(' and ');
    throw new UserError(
      `No ${missing} Service of release ${ref.release} in namespace ${ref.namespace} (looked for labels ${selector}).`,
      {
        hint: `Check the namespace and release name (helm list -n ${ref.namespace}), or install one: prefect-server install -n ${ref.namespace}`,
      },
    );
  }
  if (!withIngresses) return { apollo, ui };
  // An Ingress is optional, and a user may not be allowed to list them: then there is none to use.
  const ingresses = await api
    .get<KubeList<Ingress>>(
      `/apis/networking.k8s.io/v1/namespaces/${ref.namespace}/ingresses${query}`,
      { timeoutMs: 30_000 },
    )
    .then((list) => list?.items ?? [])
    .catch(() => [] as Ingress[]);
  return {
    apollo,
    ui,
    apolloIngress: pickComponent(ingresses, ref.release, 'apollo'),
    uiIngress: pickComponent(ingresses, ref.release, 'ui'),
  };
}
