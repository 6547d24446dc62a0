// doctor, end to end: choose the checks (--pre, --category), run them all at once over one shared
// context, print the report, close every port-forward and connection, and fail (exit 1) when any
// check failed. A check that cannot run is a warning saying why, never a crash.
import { agentChecks } from '../checks/agent.js';
import { apiChecks } from '../checks/api.js';
import { clusterChecks } from '../checks/cluster.js';
import { DoctorContext, type DoctorOptions } from '../checks/context.js';
import { databaseChecks } from '../checks/database.js';
import { databaseDataChecks } from '../checks/database-data.js';
import type { DoctorCheck, DoctorOutcome } from '../checks/doctor-check.js';
import { exposureChecks } from '../checks/exposure.js';
import { permissionChecks } from '../checks/permissions.js';
import { releaseChecks } from '../checks/release.js';
import { toolChecks } from '../checks/tools.js';
import { workloadChecks } from '../checks/workloads.js';
import { InputError, UserError } from '../errors.js';
import { runChecks } from '../ui/check.js';
import { toJson, toText } from './report.js';

export const categories = [
  'tools',
  'cluster',
  'permissions',
  'release',
  'workloads',
  'database',
  'api',
  'agent',
  'exposure',
] as const;

export const doctorChecks: DoctorCheck[] = [
  ...toolChecks,
  ...clusterChecks,
  ...permissionChecks,
  ...releaseChecks,
  ...workloadChecks,
  ...databaseChecks,
  ...databaseDataChecks,
  ...apiChecks,
  ...agentChecks,
  ...exposureChecks,
];

/** The checks for this mode and these categories; an unknown or empty choice is bad input. */
export function selectChecks(
  all: readonly DoctorCheck[],
  pre: boolean,
  wanted: readonly string[] | undefined,
): DoctorCheck[] {
  const names = (wanted ?? [])
    .flatMap((w) => w.split(','))
    .map((w) => w.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(categories as readonly string[]).includes(name)) {
      throw new InputError(
        `--category: unknown category "${name}"`,
        `Choose from: ${categories.join(', ')}`,
      );
    }
  }
  const inMode = all.filter((c) => (pre ? c.when !== 'installed' : c.when !== 'pre'));
  const chosen = names.length === 0 ? inMode : inMode.filter((c) => names.includes(c.category));
  if (chosen.length === 0) {
    const available = [...new Set(inMode.map((c) => c.category))].join(', ');
    throw new InputError(
      `--category ${names.join(',')} has no checks${pre ? ' with --pre' : ''}`,
      `With${pre ? '' : 'out'} --pre the categories are: ${available}`,
    );
  }
  return chosen;
}

export async function inspect(
  options: DoctorOptions,
  checks: readonly DoctorCheck[],
): Promise<DoctorOutcome[]> {
  const ctx = new DoctorContext(options);
  try {
    // The runner install's preflight uses too: a check that throws is a warning saying why.
    return (await runChecks(checks, ctx)) as DoctorOutcome[];
  } finally {
    await ctx.close();
  }
}

export async function runDoctor(
  options: DoctorOptions,
  wanted: readonly string[] | undefined,
  format: 'text' | 'json',
  write: (line: string) => void,
): Promise<DoctorOutcome[]> {
  const checks = selectChecks(doctorChecks, options.pre, wanted);
  const outcomes = await inspect(options, checks);
  if (format === 'json') {
    write(JSON.stringify(toJson(outcomes), null, 2));
  } else {
    const heading = options.pre
      ? `prefect-server doctor --pre: can namespace ${options.namespace} take an install?`
      : `prefect-server doctor: release ${options.release} in namespace ${options.namespace}`;
    for (const line of toText(outcomes, categories, heading)) write(line);
  }
  const failed = outcomes.filter((o) => o.status === 'fail');
  if (failed.length > 0) {
    throw new UserError(
      `${failed.length} of ${outcomes.length} checks failed: ${failed.map((f) => f.id).join(', ')}`,
    );
  }
  return outcomes;
}
