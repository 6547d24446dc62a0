// Where a release's database is, as hasura and graphql use it: read from the hasura Deployment
// itself (its connection URL and PGPASSWORD), so every reader (doctor's checks, backup, restore,
// prune through database-access.ts) finds what the pods really use.
import type { NamedObject, Workload } from '../tools/kube-objects.js';
import { componentLabel, nameLabel } from './labels.js';

const byComponent = <T extends NamedObject>(items: readonly T[], component: string) =>
  items.find((i) => i.metadata.labels?.[componentLabel] === component);

export interface DatabaseTarget {
  user: string;
  host: string;
  port: number;
  database: string;
  /** Where the pods read the password from. */
  secret: { name: string; key: string } | undefined;
  /** The release's own database Service, when the host is one. */
  service: string | undefined;
  /** The database pod of the release (bundled database), for `kubectl exec` fixes. */
  pod: string | undefined;
}

function envOf(workload: Workload | undefined, name: string) {
  for (const container of workload?.spec.template.spec.containers ?? []) {
    const found = container.env?.find((e) => e.name === name);
    if (found) return found;
  }
  return undefined;
}

/** Where hasura's database is, from the hasura Deployment (graphql's when there is no hasura). */
export function databaseTargetOf(
  workloads: readonly Workload[],
  services: readonly NamedObject[],
  pods: readonly NamedObject[],
  namespace: string,
): DatabaseTarget | undefined {
  const hasura = byComponent(workloads, 'hasura');
  const graphql = byComponent(workloads, 'graphql');
  const url =
    envOf(hasura, 'HASURA_GRAPHQL_DATABASE_URL')?.value ??
    envOf(graphql, 'PREFECT_SERVER__DATABASE__CONNECTION_URL')?.value;
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const secretRef = (envOf(hasura, 'PGPASSWORD') ?? envOf(graphql, 'PGPASSWORD'))?.valueFrom
    ?.secretKeyRef;
  const host = parsed.hostname;
  // NAME, NAME.NAMESPACE, NAME.NAMESPACE.svc[.cluster.local] name a Service of this namespace.
  const [first, second, third] = host.split('.');
  const inNamespace =
    second === undefined || (second === namespace && (third === undefined || third === 'svc'));
  const service =
    inNamespace && services.some((s) => s.metadata.name === first) ? first : undefined;
  // Ours is labelled component=postgresql; the released charts' Bitnami pods name=postgresql.
  const pod =
    pods.find((p) => p.metadata.labels?.[componentLabel] === 'postgresql') ??
    pods.find((p) => p.metadata.labels?.[nameLabel] === 'postgresql');
  return {
    user: decodeURIComponent(parsed.username),
    host,
    port: parsed.port ? Number(parsed.port) : 5432,
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
    secret: secretRef ? { name: secretRef.name, key: secretRef.key } : undefined,
    service,
    pod: service ? pod?.metadata.name : undefined,
  };
}
