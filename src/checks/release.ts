// doctor: the Helm release: there, deployed (an interrupted or failed operation explained with the
// command that recovers), which chart, and values the chart's schema accepts.

import { targetLine } from '../release/release-flags.js';
import type { HelmHistoryEntry, HelmRelease } from '../tools/helm.js';
import { stderrReason } from '../tools/run-tool.js';
import { type CheckResult, fail, pass, warn } from '../ui/check.js';
import { bundledChart, bundledChartDir } from './cluster.js';
import { CannotRun, type DoctorContext } from './context.js';
import { type DoctorCheck, withDetails } from './doctor-check.js';

/** The release, or a CannotRun when there is none (the release-exists check says so). */
export async function requireRelease(ctx: DoctorContext): Promise<HelmRelease> {
  const { release } = await ctx.release();
  if (!release) throw new CannotRun(`skipped: there is no release ${ctx.releaseName}`);
  return release;
}

/** The values the user gave the release (they may hold a password: kept in memory only). */
export function releaseValues(ctx: DoctorContext): Promise<Record<string, unknown>> {
  return ctx.shared('release-values', async () => {
    await requireRelease(ctx);
    const helm = await ctx.helm();
    const result = await helm.run(
      ['get', 'values', ctx.releaseName, '--namespace', ctx.namespace, '--output', 'json'],
      { allowFailure: true, timeoutMs: 20_000 },
    );
    if (result.exitCode !== 0) {
      throw new CannotRun(`cannot read the release's values: ${stderrReason(result.stderr) ?? ''}`);
    }
    return (JSON.parse(result.stdout || '{}') ?? {}) as Record<string, unknown>;
  });
}

/** "prefect-server-0.1.0" -> name and version: the version starts at the first dash before a digit. */
export function splitChart(chart: string): { name: string; version: string } {
  const at = chart.search(/-v?\d/);
  return at === -1
    ? { name: chart, version: '' }
    : { name: chart.slice(0, at), version: chart.slice(at + 1) };
}

/** The verdict on a release's state, with the recovery command for each unfinished one. */
export function judgeReleaseStatus(
  release: HelmRelease,
  history: readonly HelmHistoryEntry[],
  target: string,
): CheckResult {
  const name = release.name;
  const namespace = release.namespace;
  const good = [...history]
    .reverse()
    .find((h) => h.status === 'deployed' || h.status === 'superseded');
  const current = Number(release.revision);
  const lastGood = good && good.revision !== current ? good.revision : undefined;
  const uninstall = `helm uninstall ${name} -n ${namespace}`;
  switch (release.status) {
    case 'deployed':
      return pass(`deployed, revision ${release.revision}`);
    case 'pending-install':
      return fail(
        `revision ${release.revision} is pending-install: an install was interrupted, or is still running`,
        `If no helm runs now, run the same install again: prefect-server install ${target} (it replaces an unfinished install and keeps the database password), or remove it: ${uninstall}`,
      );
    case 'pending-upgrade':
    case 'pending-rollback': {
      const what = release.status === 'pending-upgrade' ? 'an upgrade' : 'a rollback';
      return fail(
        `revision ${release.revision} is ${release.status}: ${what} was interrupted, or is still running`,
        lastGood !== undefined
          ? `If no helm runs now, return to the last good revision: helm rollback ${name} ${lastGood} -n ${namespace}   then upgrade again: prefect-server upgrade ${target}`
          : `If no helm runs now, nothing was ever deployed: ${uninstall}   then install again.`,
      );
    }
    case 'failed': {
      const description = history.find((h) => h.revision === current)?.description;
      const why = description ? ` (${description})` : '';
      return fail(
        `revision ${release.revision} failed${why}`,
        lastGood !== undefined
          ? `Fix the cause (see the checks below), then upgrade again: prefect-server upgrade ${target}   or return to revision ${lastGood}: helm rollback ${name} ${lastGood} -n ${namespace}`
          : `The first install failed: fix the cause (see the checks below), then run the install again (it replaces a failed first install): prefect-server install ${target}   or remove it: ${uninstall}`,
      );
    }
    case 'uninstalling':
      return warn(
        'the release is being uninstalled',
        `If no helm runs now, finish it: ${uninstall}`,
      );
    default:
      return warn(
        `revision ${release.revision} has status ${release.status}`,
        `See its history: helm history ${name} -n ${namespace}`,
      );
  }
}

const exists: DoctorCheck = {
  id: 'release-exists',
  category: 'release',
  when: 'installed',
  title: 'the Helm release exists',
  async run(ctx) {
    const { release, others } = await ctx.release();
    if (release)
      return pass(`release ${release.name} in ${release.namespace} (revision ${release.revision})`);
    const ours = others.filter((r) => splitChart(r.chart).name === 'prefect-server');
    if (ours.length > 0) {
      return fail(
        `no release ${ctx.releaseName} in ${ctx.namespace}; it has: ${ours.map((r) => r.name).join(', ')}`,
        `Name it: prefect-server doctor ${targetLine({ ...ctx.options, release: ours[0]?.name ?? '' }, { alwaysRelease: true })}`,
        true,
      );
    }
    return fail(
      `no release ${ctx.releaseName} in namespace ${ctx.namespace}`,
      `Install one: prefect-server install -n ${ctx.namespace}   (or name another namespace with -n; list releases: helm list --all-namespaces)`,
    );
  },
};

const status: DoctorCheck = {
  id: 'release-status',
  category: 'release',
  when: 'installed',
  title: 'the release is deployed',
  async run(ctx) {
    const release = await requireRelease(ctx);
    let history: HelmHistoryEntry[] = [];
    if (release.status !== 'deployed')
      history = await (await ctx.helm()).history(release.name, release.namespace);
    return judgeReleaseStatus(release, history, ctx.target);
  },
};

const chart: DoctorCheck = {
  id: 'release-chart',
  category: 'release',
  when: 'installed',
  title: 'the release runs the Prefect Server chart',
  async run(ctx) {
    const release = await requireRelease(ctx);
    const { name, version } = splitChart(release.chart);
    if (name !== 'prefect-server') {
      return warn(
        `release ${release.name} runs chart ${release.chart}, not prefect-server`,
        'Name the Prefect Server release with --release.',
      );
    }
    const bundled = bundledChart().version;
    const note = version === bundled ? ' (the chart bundled with this CLI)' : '';
    return pass(`chart ${name} ${version}${note}, app version ${release.app_version}`);
  },
};

/** The schema's complaints, from helm's error output. */
export function schemaProblems(stderr: string): string[] {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const items = lines.filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
  if (items.length > 0) return items;
  const last = lines.filter((l) => !/^Use --debug/.test(l)).pop();
  return last ? [last.replace(/^Error: /, '')] : [];
}

const values: DoctorCheck = {
  id: 'release-values',
  category: 'release',
  when: 'installed',
  title: "the release's values pass the chart's schema",
  async run(ctx) {
    const given = await releaseValues(ctx);
    const helm = await ctx.helm();
    // The values travel on standard input: they may hold a password, never put in argv or a file.
    const result = await helm.run(
      ['template', ctx.releaseName, bundledChartDir, '--namespace', ctx.namespace, '--values', '-'],
      { input: JSON.stringify(given), allowFailure: true, timeoutMs: 30_000 },
    );
    const version = bundledChart().version;
    if (result.exitCode === 0)
      return pass(`${Object.keys(given).length} top-level keys, accepted by chart ${version}`);
    const problems = schemaProblems(result.stderr);
    return withDetails(
      fail(
        `chart ${version} refuses the release's values: ${problems[0] ?? 'helm template failed'}`,
        `Correct them: prefect-server upgrade ${ctx.target} --set KEY=VALUE   (see them: helm get values ${ctx.releaseName} -n ${ctx.namespace})`,
      ),
      problems.slice(1),
    );
  },
};

export const releaseChecks: DoctorCheck[] = [exists, status, chart, values];
