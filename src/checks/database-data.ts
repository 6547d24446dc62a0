// The database's data, as opposed to reaching it: whether the bundled database keeps it on a
// volume (the original chart's default did not, and the data went with the pod), and whether the
// log table has grown large (users of the original chart report tens of GB of logs).
import { bundledDatabase } from '../release/bundled-database.js';
import type { Workload } from '../tools/kube-objects.js';
import { pass, warn } from '../ui/check.js';
import { byComponent } from './cluster-state.js';
import type { DoctorContext } from './context.js';
import { loggedIn, query } from './database-session.js';
import type { DoctorCheck, DoctorResult } from './doctor-check.js';

/** The log table size from which doctor warns, unless --log-table-warn says otherwise. */
export const defaultLogTableWarnBytes = 1024 ** 3;

/** "1.5 GiB", "12 MiB", "800 KiB": sizes as PostgreSQL's pg_size_pretty rounds them, binary units. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || value >= 10 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${shown} ${units[unit]}`;
}

/** The bundled database's StatefulSet: ours by its component label, a released chart's by name. */
function databaseStatefulSet(workloads: readonly Workload[], release: string, chart: string) {
  const ours = byComponent(workloads, 'postgresql');
  if (ours?.kind === 'StatefulSet') return ours;
  const bitnami = bundledDatabase(release, chart.replace(/^prefect-server-/, ''));
  return workloads.find(
    (w) => w.kind === 'StatefulSet' && w.metadata.name === bitnami?.statefulSet,
  );
}

/** Whether a database StatefulSet keeps its data: a claim template or a claim for `data`. */
export function judgeDatabaseVolume(
  statefulSet: Workload | undefined,
  where: { namespace: string; target: string },
): DoctorResult {
  if (!statefulSet)
    return pass('the database is not in the release (external): its volumes are its own');
  const claims = statefulSet.spec.volumeClaimTemplates ?? [];
  const data = statefulSet.spec.template.spec.volumes?.find((v) => v.name === 'data');
  if (claims.length > 0) {
    const size = claims[0]?.spec.resources?.requests?.storage;
    return pass(
      `StatefulSet ${statefulSet.metadata.name} keeps its data on a volume claim${size ? ` (${size})` : ''}`,
    );
  }
  if (data?.persistentVolumeClaim) {
    return pass(
      `StatefulSet ${statefulSet.metadata.name} keeps its data on claim ${data.persistentVolumeClaim.claimName}`,
    );
  }
  return warn(
    `the bundled database has no volume (StatefulSet ${statefulSet.metadata.name}${data?.emptyDir ? ', data in an emptyDir' : ''}): data is lost when the pod goes (a restart, an eviction, a node drain)`,
    `Move it onto a volume: prefect-server backup ${where.target} --output prefect.dump, reinstall with --db-persistence, then prefect-server restore prefect.dump ${where.target}`,
  );
}

/** The log table's verdict: size against the threshold, with prune as the fix. */
export function judgeLogTable(
  table: { bytes: number; rows: number; rowsExact: boolean } | undefined,
  thresholdBytes: number,
  target: string,
): DoctorResult {
  if (!table) return pass('there is no log table yet (graphql creates it at its first start)');
  const rows = `${table.rowsExact ? '' : 'about '}${table.rows.toLocaleString('en-US')} rows`;
  const size = `${formatBytes(table.bytes)}, ${rows}`;
  if (table.bytes < thresholdBytes)
    return pass(`the log table holds ${size} (warning from ${formatBytes(thresholdBytes)})`);
  return warn(
    `the log table holds ${size}, over ${formatBytes(thresholdBytes)}: it slows Prefect's log queries and backups`,
    `See what old logs would go: prefect-server prune ${target} --older-than 30d --dry-run (then without --dry-run; or keep it small with install/upgrade --log-retention-days 30)`,
  );
}

const volumeCheck: DoctorCheck = {
  id: 'database-volume',
  category: 'database',
  title: 'the bundled database keeps its data on a volume',
  when: 'installed',
  async run(ctx: DoctorContext) {
    const [objects, lookup] = await Promise.all([
      ctx.objects(),
      ctx.release().catch(() => undefined),
    ]);
    const chart = lookup?.release?.chart ?? '';
    return judgeDatabaseVolume(databaseStatefulSet(objects.workloads, ctx.releaseName, chart), {
      namespace: ctx.namespace,
      target: ctx.target,
    });
  },
};

/** Row counts are exact below this size; above, the planner's estimate (count(*) would scan it all). */
const exactCountBelowBytes = 64 * 1024 ** 2;

const logTableCheck: DoctorCheck = {
  id: 'database-log-table',
  category: 'database',
  title: 'the log table is not large',
  when: 'installed',
  async run(ctx: DoctorContext) {
    const s = await loggedIn(ctx);
    const [found] = await query<{ bytes: string; estimate: string }>(
      s.client,
      `SELECT pg_total_relation_size(c.oid)::text AS bytes, c.reltuples::bigint::text AS estimate
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relname = 'log' AND c.relkind = 'r'`,
    );
    const threshold = ctx.options.logTableWarnBytes ?? defaultLogTableWarnBytes;
    if (!found) return judgeLogTable(undefined, threshold, ctx.target);
    const bytes = Number(found.bytes);
    // reltuples is -1 on a table never vacuumed or analyzed (PostgreSQL 14+): count it then.
    const exact = bytes < exactCountBelowBytes || Number(found.estimate) < 0;
    const rows = exact
      ? Number(
          (await query<{ n: string }>(s.client, 'SELECT count(*)::text AS n FROM public.log'))[0]
            ?.n,
        )
      : Number(found.estimate);
    return judgeLogTable({ bytes, rows, rowsExact: exact }, threshold, ctx.target);
  },
};

export const databaseDataChecks: DoctorCheck[] = [volumeCheck, logTableCheck];
