// The decisions of an upgrade, pure so they are tested without a cluster: which answers the flags
// change (and which an upgrade refuses), which chart it moves to, the answers it renders, and the
// values helm receives. run-upgrade.ts gathers the facts and carries the decisions out.
import { InputError } from '../errors.js';
import { type AnswerKey, flagOf, upgradeRoleOf } from '../plan/answers.js';
import { defaults, type InstallAnswers, type InstallPlan } from '../plan/install-plan.js';
import { isReleasedChart } from '../release/released-chart.js';
import { mergeValues } from '../values/merge-values.js';
import type { Values } from '../values/render-values.js';

/** The flags only upgrade has; the answers come parsed beside them. */
export interface UpgradeOptions {
  yes: boolean;
  dryRun: boolean;
  timeout: string;
  atomic: boolean;
  /** --version: the released chart version to move to */
  version: string | undefined;
}

/** The answer keys the flags set, refusing the ones an upgrade cannot change (plan/answers.ts). */
export function changedKeys(given: InstallAnswers): AnswerKey[] {
  const keys = (Object.keys(given) as AnswerKey[]).filter(
    (key) => given[key] !== undefined && upgradeRoleOf(key) !== 'ignored',
  );
  const kept = keys.filter((key) => upgradeRoleOf(key) === 'kept');
  if (kept.length > 0) {
    throw new InputError(
      `${kept.map((key) => flagOf[key]).join(', ')} cannot be changed by upgrade: the database of a release stays where its data is.`,
      'To move data, back it up, install a new release with the new database settings, and restore. (The bundled database volume can grow: --db-size.)',
    );
  }
  return keys;
}

/** What was asked of the chart: a source, or a released version (--version or the menu). */
export interface ChartChoice {
  chartSource?: 'bundled' | 'repo' | undefined;
  version?: string | undefined;
}

/** The chart the upgrade moves to: --version or a released chart stays on the repository. */
export function chooseChart(
  choice: ChartChoice,
  given: InstallAnswers,
  currentVersion: string,
): InstallPlan['chart'] {
  const wantsRepo =
    choice.chartSource === 'repo' ||
    choice.version !== undefined ||
    (choice.chartSource === undefined && isReleasedChart(currentVersion));
  return wantsRepo
    ? {
        source: 'repo' as const,
        repoUrl: given.repoUrl ?? defaults.repoUrl,
        version:
          choice.version ??
          given.chartVersion ??
          (isReleasedChart(currentVersion) ? currentVersion : undefined),
        verify: given.verify ?? false,
        keyring: given.keyring,
        signingKey: given.signingKey,
      }
    : { source: 'bundled' as const };
}

/**
 * The answers an upgrade starts from: the release's own (read back from its values), with what the
 * flags set on top, the chart as it is (so the menu's wizard does not ask for it), and the release
 * where it is.
 */
export function startingAnswers(
  previous: InstallAnswers,
  given: InstallAnswers,
  current: InstallPlan['chart'],
  release: { name: string; namespace: string },
): InstallAnswers {
  return {
    ...previous,
    ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
    chartSource: current.source,
    chartVersion: current.source === 'repo' ? current.version : undefined,
    ...(current.source === 'repo' && { repoUrl: current.repoUrl, verify: current.verify }),
    namespace: release.namespace,
    release: release.name,
    createNamespace: false,
  };
}

/** The answers the target chart is rendered from; a volume resize keeps the bundled database. */
export function targetAnswers(
  answers: InstallAnswers,
  given: InstallAnswers,
  chart: InstallPlan['chart'],
  dbSize: string | undefined,
): InstallAnswers {
  const target: InstallAnswers = {
    ...answers,
    chartSource: chart.source,
    chartVersion: chart.source === 'repo' ? chart.version : undefined,
    repoUrl: chart.source === 'repo' ? chart.repoUrl : given.repoUrl,
    verify: chart.source === 'repo' ? chart.verify : given.verify,
  };
  if (dbSize !== undefined) {
    // The cluster showed the volume exists; the size rule is checked again by buildPlan.
    target.database = 'bundled';
    target.dbPersistence = true;
    target.dbSize = dbSize;
  }
  return target;
}

/**
 * The values helm receives: the release's values (moved to the target chart's keys) with only the
 * re-rendered sections replaced, and a resize's one size key on top.
 */
export function upgradeValues(
  installed: Values,
  rendered: Values,
  sections: ReadonlySet<string>,
  sizeKey: Values | undefined,
): Values {
  const overrides = Object.fromEntries(
    Object.entries(rendered).filter(([key]) => sections.has(key)),
  );
  const merged = mergeValues(installed, overrides);
  // Only the size key changes: the rest of the database section stays exactly as installed.
  return sizeKey ? mergeValues(merged, sizeKey) : merged;
}
