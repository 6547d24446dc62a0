// Where the release's database is, as hasura and graphql use it: read from the hasura Deployment
// itself (its connection URL and PGPASSWORD), so doctor checks what the pods really use; and how
// to run SQL there, for hints. The reading itself is release/database-location.ts (backup,
// restore and prune find the database the same way).
import { type DatabaseTarget, databaseTargetOf } from '../release/database-location.js';
import { CannotRun, type DoctorContext } from './context.js';

export { type DatabaseTarget, databaseTargetOf };

/** An SQL identifier as psql needs it written. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** How to run SQL as an administrator of this database, for hints. */
export function sqlCommand(target: DatabaseTarget, namespace: string, sql: string): string {
  if (target.pod) {
    // The bundled database's user is its superuser, trusted over the pod's local socket.
    return `kubectl exec -n ${namespace} ${target.pod} -- psql -U ${target.user} -d ${target.database} -c '${sql}'`;
  }
  return `psql "postgresql://ADMIN@${target.host}:${target.port}/${target.database}" -c '${sql}'   (as a superuser)`;
}

export async function databaseTarget(ctx: DoctorContext): Promise<DatabaseTarget> {
  const objects = await ctx.objects();
  const found = databaseTargetOf(objects.workloads, objects.services, objects.pods, ctx.namespace);
  if (!found) {
    throw new CannotRun('skipped: the release has no hasura Deployment to learn the database from');
  }
  return found;
}
