// upgrade: the release's own values are the starting point; only what the user changes is
// re-rendered, everything else stays as it was. helm receives the full merged values (never
// --reuse-values). A diff of values and of objects comes before the change; nothing changes
// without a confirmation (--yes, or a prompt in a terminal).
//
// Four phases, each a function below: locate the release (recovering an unfinished one), plan
// the upgrade (the decisions are pure, in upgrade-plan.ts), preview it (a server-side dry run and
// the diff), apply it. The tools and the prompts come in as adapters, defaulted when not given.
import { ExitCode, InputError, UserError } from '../errors.js';
import { sectionsRenderedBy } from '../plan/answers.js';
import {
  buildPlan,
  defaults,
  type InstallAnswers,
  type InstallPlan,
} from '../plan/install-plan.js';
import { quantity } from '../plan/rules.js';
import { loadBalancerServices } from '../release/address-wait.js';
import { applyWithProgress, ownWaitMs } from '../release/apply-with-progress.js';
import { bundledChartDefaults, listRepoVersions, prepareChart } from '../release/chart-source.js';
import { effectiveValues } from '../release/effective-values.js';
import { findRelease } from '../release/find-release.js';
import { instanceSelector } from '../release/labels.js';
import { targetLine } from '../release/release-flags.js';
import { chartVersionOf, isReleasedChart } from '../release/released-chart.js';
import { Helm, type HelmHistoryEntry, type HelmRelease } from '../tools/helm.js';
import { Kubectl } from '../tools/kubectl.js';
import { PrivateDir } from '../tools/private-files.js';
import { ToolError } from '../tools/run-tool.js';
import { canPrompt } from '../ui/can-prompt.js';
import { colors, type Output } from '../ui/output.js';
import { answersFromValues } from '../values/answers-from-values.js';
import { diffValues } from '../values/merge-values.js';
import { renderValues, type Values, valuesToYaml } from '../values/render-values.js';
import { translateValues } from '../values/translate-era.js';
import { valuesEraFor } from '../values/values-era.js';
import { Prompter } from '../wizard/prompter.js';
import { askWhatToChange, pickRelease } from '../wizard/upgrade-menu.js';
import { planDatabaseMove, secretKeyProblem } from './database-major-move.js';
import {
  applyVolumeResize,
  type DatabaseVolume,
  describeResize,
  findDatabaseVolume,
  planVolumeResize,
  releaseStatefulSetForRollback,
  sizeOverride,
  stateAfterFailedUpgrade,
  type VolumeResize,
} from './db-volume.js';
import { compareManifests } from './object-changes.js';
import {
  type ChartChoice,
  changedKeys,
  chooseChart,
  startingAnswers,
  targetAnswers,
  type UpgradeOptions,
  upgradeValues,
} from './upgrade-plan.js';

export type { UpgradeOptions } from './upgrade-plan.js';

/** The adapters an upgrade works through; each is made from the answers' target when not given. */
export interface UpgradeAdapters {
  helm?: Helm;
  kubectl?: Kubectl;
  prompter?: Prompter;
}

/** What every phase works with. */
interface UpgradeRun {
  given: InstallAnswers;
  options: UpgradeOptions;
  out: Output;
  helm: Helm;
  kubectl: Kubectl;
  prompter: Prompter;
}

const pendingStates = new Set(['pending-install', 'pending-upgrade', 'pending-rollback', 'failed']);

async function recoverPendingRelease(
  helm: Helm,
  kubectl: Kubectl,
  release: HelmRelease,
  history: HelmHistoryEntry[],
  options: UpgradeOptions,
  io: { out: Output; prompter: Prompter },
): Promise<void> {
  const { out, prompter } = io;
  const lastGood = history
    .filter((h) => h.status === 'deployed' || h.status === 'superseded')
    .at(-1);
  const explain: Record<string, string> = {
    'pending-install': 'an install was interrupted before it finished',
    'pending-upgrade': 'an upgrade was interrupted before it finished (e.g. Ctrl-C during --wait)',
    'pending-rollback': 'a rollback was interrupted before it finished',
    failed: 'the last install or upgrade failed',
  };
  out.warn(
    `Release ${release.name} is ${release.status}: ${explain[release.status] ?? 'it is not deployed'}.`,
  );
  if (!lastGood) {
    throw new UserError(
      `Release ${release.name} was never deployed, so there is nothing to roll back to.`,
      {
        hint: `Run the install again: prefect-server install ${targetLine({ namespace: release.namespace, release: release.name }, { alwaysRelease: true })} (it replaces an unfinished install).`,
      },
    );
  }
  const command = `helm rollback ${release.name} ${lastGood.revision} -n ${release.namespace} --wait`;
  if (!options.yes) {
    if (!canPrompt({ yes: false })) {
      throw new UserError(
        `Release ${release.name} must be rolled back to revision ${lastGood.revision} before it can be upgraded.`,
        {
          hint: `Pass --yes to let upgrade do it, or run: ${command}`,
        },
      );
    }
    if (
      !(await prompter.confirm({
        message: `Roll back to revision ${lastGood.revision} (the last good one) first?`,
        default: true,
      }))
    ) {
      throw new UserError('Nothing was changed.', { hint: `Recover later with: ${command}` });
    }
  }
  const volume = await findDatabaseVolume(kubectl, release.namespace, release.name).catch(
    () => undefined,
  );
  if (volume) {
    const target = await helm.run([
      'get',
      'manifest',
      release.name,
      '--namespace',
      release.namespace,
      '--revision',
      String(lastGood.revision),
    ]);
    const done = await releaseStatefulSetForRollback(kubectl, volume, target.stdout);
    if (done) out.warn(done);
  }
  const spinner = await out.spinner(
    `Rolling back ${release.name} to revision ${lastGood.revision}`,
  );
  await helm.run(
    [
      'rollback',
      release.name,
      String(lastGood.revision),
      '--namespace',
      release.namespace,
      '--wait',
      '--timeout',
      options.timeout,
    ],
    {
      timeoutMs: 30 * 60_000,
    },
  );
  spinner.succeed(`Rolled back to revision ${lastGood.revision}`);
}

/** A bundled database's volume and how --db-size changes it; refused sizes are bad input (exit 2). */
async function planDbSize(
  kubectl: Kubectl,
  release: HelmRelease,
  userValues: Values,
  size: string,
): Promise<{ volume: DatabaseVolume; steps: VolumeResize }> {
  const format = quantity('Database volume size')(size);
  if (format) throw new InputError(`--db-size: ${format}`);
  const pg = userValues.postgresql as Values | undefined;
  if (pg?.useSubChart === false) {
    throw new InputError(
      `--db-size is for the bundled database; release ${release.name} uses an external one (${String(pg.externalHostname ?? '')}).`,
    );
  }
  const volume = await findDatabaseVolume(kubectl, release.namespace, release.name);
  if (!volume) {
    throw new InputError(
      `The database of release ${release.name} has no volume of its own (persistence is off or it uses an existing claim), so --db-size has nothing to grow.`,
      'Turning persistence on or off cannot be done by upgrade: back the database up, install a new release with --db-persistence, and restore.',
    );
  }
  const steps = planVolumeResize(volume, size);
  if (steps.problem) throw new InputError(steps.problem.message, steps.problem.hint);
  return { volume, steps };
}

export async function runUpgrade(
  given: InstallAnswers,
  options: UpgradeOptions,
  out: Output,
  adapters: UpgradeAdapters = {},
): Promise<void> {
  const target = { kubeconfig: given.kubeconfig, context: given.context };
  const [kubectl, helm] = await Promise.all([
    adapters.kubectl ?? Kubectl.create(target),
    adapters.helm ?? Helm.create(target),
  ]);
  const run: UpgradeRun = {
    given,
    options,
    out,
    helm,
    kubectl,
    prompter: adapters.prompter ?? new Prompter(),
  };
  const changes = changedKeys(given);
  if (!options.yes && !canPrompt({ yes: false }) && !options.dryRun) {
    throw new InputError(
      'upgrade changes a running release; without a terminal to confirm in, pass --yes (or --dry-run to only look).',
    );
  }
  const located = await locateRelease(run);
  const planned = await planUpgrade(run, located, changes);
  const dir = await PrivateDir.create();
  const state: ApplyState = { volumeChanged: false };
  try {
    const preview = await previewUpgrade(run, located, planned, dir);
    if (preview) await applyUpgrade(run, located, planned, preview, state);
  } catch (error) {
    const { resize, dbSize } = planned;
    if (error instanceof ToolError)
      throw new UserError(error.message, {
        hint:
          state.volumeChanged && resize && dbSize !== undefined
            ? stateAfterFailedUpgrade(resize.volume, located.release.name, dbSize, resize.steps)
            : 'Nothing was changed by this command before the error.',
      });
    throw error;
  } finally {
    await dir.remove();
  }
}

/** Phase 1: the release, deployed (an unfinished one rolled back first), and a --db-size planned. */
interface LocatedRelease {
  release: HelmRelease;
  dbSize: string | undefined;
  resize: { volume: DatabaseVolume; steps: VolumeResize } | undefined;
}

async function locateRelease(run: UpgradeRun): Promise<LocatedRelease> {
  const { given, options, helm, kubectl } = run;
  let release = await findRelease(
    helm,
    { release: given.release, namespace: given.namespace },
    canPrompt({ yes: options.yes }) ? pickRelease : undefined,
  );
  // Every refusal of --db-size comes before anything changes, the recovery of a pending release too.
  const dbSize = given.dbSize;
  const planSize = async () =>
    dbSize === undefined
      ? undefined
      : planDbSize(
          kubectl,
          release,
          (await helm.userValues(release.name, release.namespace)) as Values,
          dbSize,
        );
  let resize = await planSize();
  const history = await helm.history(release.name, release.namespace);
  if (pendingStates.has(release.status)) {
    if (options.dryRun)
      throw new UserError(
        `Release ${release.name} is ${release.status}; a dry run cannot show an upgrade from there.`,
        { hint: 'Run without --dry-run to recover it first.' },
      );
    await recoverPendingRelease(helm, kubectl, release, history, options, run);
    release = await findRelease(helm, { release: release.name, namespace: release.namespace });
    // The rollback may have recreated the StatefulSet: plan the resize on what is there now.
    resize = await planSize();
  }
  return { release, dbSize, resize };
}

/** Phase 2: the target chart, the answers rendered for it, and the merged values. */
interface PlannedUpgrade {
  currentVersion: string;
  userValues: Values;
  translated: ReturnType<typeof translateValues>;
  plan: InstallPlan;
  finalValues: Values;
  dbSize: string | undefined;
  resize: { volume: DatabaseVolume; steps: VolumeResize } | undefined;
}

async function planUpgrade(
  run: UpgradeRun,
  located: LocatedRelease,
  changes: ReturnType<typeof changedKeys>,
): Promise<PlannedUpgrade> {
  const { given, options, out, helm, kubectl } = run;
  const { release } = located;
  let { dbSize, resize } = located;
  const currentVersion = chartVersionOf(release);
  const userValues = (await helm.userValues(release.name, release.namespace)) as Values;
  // A released chart's own defaults count (its apollo and ui are LoadBalancer unless told
  // otherwise); our chart's defaults are the ones answersFromValues assumes already.
  const previous = answersFromValues(
    isReleasedChart(currentVersion) ? await effectiveValues(helm, release) : userValues,
    release.name,
  );
  const asked: ChartChoice = { chartSource: given.chartSource, version: options.version };
  let answers = startingAnswers(
    previous,
    given,
    chooseChart(asked, given, currentVersion),
    release,
  );
  let sections = sectionsRenderedBy(changes);
  let chartChoice = asked;

  const nothingAsked =
    changes.length === 0 &&
    !given.valuesFiles?.length &&
    !given.set?.length &&
    options.version === undefined;
  if (nothingAsked && canPrompt({ yes: options.yes })) {
    const volume =
      (userValues.postgresql as Values | undefined)?.useSubChart === false
        ? undefined
        : await findDatabaseVolume(kubectl, release.namespace, release.name).catch(() => undefined);
    const chosen = await askWhatToChange(answers, kubectl, {
      volume,
      sizeProblem: (size) => (volume ? planVolumeResize(volume, size).problem?.message : undefined),
      currentVersion,
      repoUrl: given.repoUrl ?? defaults.repoUrl,
      context: given.context,
      warn: (text) => out.warn(text),
    });
    answers = chosen.answers;
    sections = chosen.sections;
    if (chosen.dbSize !== undefined && volume) {
      dbSize = chosen.dbSize;
      resize = { volume, steps: planVolumeResize(volume, dbSize) };
    }
    if (chosen.chart === 'bundled') chartChoice = { chartSource: 'bundled' };
    else if (chosen.chart !== undefined) chartChoice = { version: chosen.chart };
  }

  const chart = chooseChart(chartChoice, given, currentVersion);
  const targetEra = valuesEraFor(chart);
  await refuseDatabaseMove(run, {
    release: release.name,
    namespace: release.namespace,
    currentVersion,
    target: chart,
    userValues,
  });
  const translated = translateValues(userValues, targetEra);
  const plan = buildPlan(targetAnswers(answers, given, chart, dbSize));
  const finalValues = upgradeValues(
    translated.values,
    renderValues(plan),
    sections,
    dbSize !== undefined ? sizeOverride(targetEra, dbSize) : undefined,
  );
  return { currentVersion, userValues, translated, plan, finalValues, dbSize, resize };
}

/**
 * A bundled database that cannot follow the chart (database-major-move.ts): refused before
 * anything changes, the repository included.
 */
async function refuseDatabaseMove(
  run: UpgradeRun,
  moveInput: Parameters<typeof planDatabaseMove>[0],
): Promise<void> {
  const move = planDatabaseMove(moveInput);
  if (move.kind === 'refuse') throw new InputError(move.message, move.hint);
  if (move.kind !== 'check-secret') return;
  const found = await run.kubectl.run(
    [
      'get',
      'secret',
      move.secret,
      '--namespace',
      moveInput.namespace,
      '--ignore-not-found',
      '-o',
      'json',
    ],
    { timeoutMs: 15_000 },
  );
  const held = found.stdout.trim()
    ? Object.keys((JSON.parse(found.stdout) as { data?: Record<string, string> }).data ?? {})
    : undefined;
  const problem = secretKeyProblem(move, moveInput, held);
  if (problem) throw new InputError(problem.message, problem.hint);
}

/** Phase 3: what helm will run, accepted by the API server, and the diff shown. */
interface UpgradePreview {
  applyArgs: string[];
  loadBalancers: ReturnType<typeof loadBalancerServices>;
  objects: ReturnType<typeof compareManifests>;
  volumeWork: boolean;
  explainVerifyFailure: ((stderr: string) => UserError | undefined) | undefined;
}

/** Undefined when there is nothing more to do: a dry run, or nothing would change. */
async function previewUpgrade(
  run: UpgradeRun,
  located: LocatedRelease,
  planned: PlannedUpgrade,
  dir: PrivateDir,
): Promise<UpgradePreview | undefined> {
  const { given, options, out, helm } = run;
  const { release } = located;
  const { plan, finalValues, resize, dbSize, userValues, translated, currentVersion } = planned;
  const valuesFile = await dir.write('values.yaml', valuesToYaml(finalValues));
  // A released chart: its repository and, with --verify, its signature, before anything changes.
  const {
    chart: chartRef,
    version,
    verify,
    extraArgs,
    explainVerifyFailure,
  } = await prepareChart(helm, plan.chart, {
    workDir: dir.path,
    dryRun: options.dryRun,
    out,
    verb: 'upgrade',
  }).catch((error: unknown) => {
    // helm does not record which repository a release came from; without --repo-url the
    // public one is assumed, which a mirror or an offline cluster does not have.
    if (error instanceof UserError && plan.chart.source === 'repo' && !given.repoUrl)
      throw new UserError(error.message, {
        exitCode: error.exitCode,
        hint: `If ${release.name} was installed from another repository, name it: --repo-url URL. Nothing was changed.`,
      });
    throw error;
  });
  const request = {
    release: release.name,
    namespace: release.namespace,
    chart: chartRef,
    version,
    verify,
    valuesFiles: [valuesFile, ...plan.extra.valuesFiles],
    wait: plan.exposure.mode !== 'loadbalancer',
    timeout: options.timeout,
    rollbackOnFailure: options.atomic,
  };
  const args = [
    ...helm.applyArgs('upgrade', request),
    ...extraArgs,
    ...plan.extra.set.flatMap((s) => ['--set', s]),
  ];

  const spinner = await out.spinner('Rendering the upgrade on the API server (dry run)');
  const dryRun = await helm.run(
    [...args.filter((a) => a !== '--wait'), '--dry-run=server', '--output', 'json'],
    {
      allowFailure: true,
      timeoutMs: 300_000,
    },
  );
  if (dryRun.exitCode !== 0) {
    spinner.fail('The upgrade was refused before anything changed');
    // helm's own signature check (after ours passed): its cause, not the generic refusal.
    const refused = explainVerifyFailure?.(dryRun.stderr);
    if (refused) throw refused;
    const reason = dryRun.stderr
      .trim()
      .split('\n')
      .filter(Boolean)
      .join(' ')
      .replace(/^Error: /, '');
    const badInput = /schema|not found|no chart version|invalid|unknown/i.test(reason);
    // A version the repository does not have: say which it does have.
    const target = plan.chart;
    const available =
      target.source === 'repo' && /no chart version found/i.test(reason)
        ? await listRepoVersions(helm, target.repoUrl).catch(() => undefined)
        : undefined;
    throw new UserError(
      available && target.source === 'repo'
        ? `Chart version ${target.version} is not in ${target.repoUrl} (it has: ${available.join(', ') || 'no prefect-server chart'}).`
        : `helm refused the upgrade: ${reason}`,
      {
        exitCode: badInput ? ExitCode.badInput : ExitCode.failure,
        hint: 'Nothing was changed.',
      },
    );
  }
  spinner.succeed('The API server accepted the upgrade');
  const newManifest = (JSON.parse(dryRun.stdout) as { manifest: string }).manifest;
  // helm --wait would wait for these to get an address, which may never come: we wait instead.
  const loadBalancers = loadBalancerServices(newManifest);
  const applyArgs = loadBalancers.length > 0 ? args.filter((a) => a !== '--wait') : args;
  const currentManifest = (
    await helm.run(['get', 'manifest', release.name, '--namespace', release.namespace])
  ).stdout;
  const objects = compareManifests(currentManifest, newManifest);
  const valueLines = diffValues(userValues, finalValues);

  out.heading(
    `Upgrade of ${release.name} in ${release.namespace} (revision ${release.revision}, chart ${currentVersion} -> ${plan.chart.source === 'repo' ? (plan.chart.version ?? 'latest') : bundledChartDefaults().chartVersion})`,
  );
  for (const line of translated.moved) out.line(`  key moved for the target chart: ${line}`);
  out.line('  values:');
  for (const line of valueLines.length ? valueLines : ['(unchanged)'])
    out.line(`    ${colorDiff(line)}`);
  out.line('  objects:');
  const objectLines = [
    ...objects.added.map((o) => `+ ${o}`),
    ...objects.changed.map((o) => `~ ${o}`),
    ...objects.removed.map((o) => `- ${o}`),
  ];
  for (const line of objectLines.length ? objectLines : ['(no object changes)'])
    out.line(`    ${colorDiff(line)}`);
  const volumeWork =
    resize !== undefined && (resize.steps.growClaim || resize.steps.replaceStatefulSet);
  if (resize && dbSize !== undefined && volumeWork)
    for (const line of describeResize(resize.volume, dbSize, resize.steps)) out.line(`  ${line}`);

  if (options.dryRun) {
    out.heading('helm command');
    out.line(
      `  helm ${applyArgs.map((a) => (a === valuesFile ? '<merged values>' : a)).join(' ')}`,
    );
    out.line(colors.dim('Dry run: nothing was changed.'));
    return undefined;
  }
  if (valueLines.length === 0 && objectLines.length === 0 && !volumeWork) {
    out.line('Nothing to change.');
    return undefined;
  }
  return { applyArgs, loadBalancers, objects, volumeWork, explainVerifyFailure };
}

/** Whether the volume was changed already, for the state a failure leaves things in. */
interface ApplyState {
  volumeChanged: boolean;
}

/** Phase 4: confirmed, the volume grown, helm's upgrade applied and waited for. */
async function applyUpgrade(
  run: UpgradeRun,
  located: LocatedRelease,
  planned: PlannedUpgrade,
  preview: UpgradePreview,
  state: ApplyState,
): Promise<void> {
  const { options, out, helm, kubectl, prompter } = run;
  const { release } = located;
  const { plan, resize, dbSize } = planned;
  const { applyArgs, loadBalancers, objects, volumeWork, explainVerifyFailure } = preview;
  if (!options.yes) {
    if (
      !(await prompter.confirm({
        message: `Apply this upgrade to ${release.name}?`,
        default: true,
      }))
    ) {
      out.line('Nothing was changed.');
      return;
    }
  }
  if (resize && dbSize !== undefined && volumeWork) {
    const step = await out.spinner(`Growing the database volume to ${dbSize}`);
    try {
      await applyVolumeResize(kubectl, resize.volume, release.name, dbSize, resize.steps);
    } catch (error) {
      step.fail('The database volume could not be grown');
      throw error;
    }
    state.volumeChanged = true;
    step.succeed(
      `Claim ${resize.volume.claim} requests ${dbSize}${resize.steps.replaceStatefulSet ? `; StatefulSet ${resize.volume.statefulSet} removed for helm to recreate (its pod keeps running)` : ''}`,
    );
  }
  try {
    await applyWithProgress(
      helm,
      kubectl,
      applyArgs,
      {
        namespace: release.namespace,
        release: release.name,
        verb: 'upgrade',
        explainFailure: explainVerifyFailure,
        waitForWorkloadsMs: ownWaitMs(plan.exposure.mode, options.timeout, loadBalancers),
      },
      out,
    );
  } catch (error) {
    if (!(error instanceof UserError) || error.exitCode !== ExitCode.failure) throw error;
    const rolledBack = options.atomic ? await atomicRollback(helm, release, error) : undefined;
    const failure = rolledBack ?? error;
    if (!(resize && dbSize !== undefined && state.volumeChanged)) throw failure;
    throw new UserError(failure.message, {
      exitCode: failure.exitCode,
      hint: `${failure.hint ?? ''}\n${stateAfterFailedUpgrade(resize.volume, release.name, dbSize, resize.steps)}`,
      cause: error,
    });
  }
  const after = await helm.history(release.name, release.namespace);
  out.heading(
    `Upgraded: ${release.name} is at revision ${after.at(-1)?.revision ?? '?'} (${after.at(-1)?.status ?? 'unknown'})`,
  );
  out.line(
    `  ${objects.added.length} objects added, ${objects.changed.length} changed, ${objects.removed.length} removed.`,
  );
}

/**
 * After a failed --atomic upgrade helm has rolled back already (helm 4 says only "context deadline
 * exceeded"): say so, and that nothing needs recovering. Undefined when no rollback happened.
 */
async function atomicRollback(
  helm: Helm,
  release: HelmRelease,
  error: UserError,
): Promise<UserError | undefined> {
  const after = await helm.history(release.name, release.namespace);
  const last = after.at(-1);
  const rollback = last?.description.match(/^Rollback to (\d+)/);
  if (!last || !rollback || last.status !== 'deployed' || last.revision <= Number(release.revision))
    return undefined;
  const reason =
    error.cause instanceof ToolError
      ? error.cause.message.replace(/^helm failed: /, '')
      : error.message;
  return new UserError(
    `The upgrade failed (${reason}) and was rolled back (--atomic): release ${release.name} is at revision ${last.revision} (deployed), with the values of revision ${rollback[1]}.`,
    {
      hint: `Nothing needs recovering. See what failed with: helm history ${release.name} -n ${release.namespace}; kubectl get pods -n ${release.namespace} -l ${instanceSelector(release.name)}`,
      cause: error,
    },
  );
}

function colorDiff(line: string): string {
  if (line.startsWith('+')) return colors.green(line);
  if (line.startsWith('-')) return colors.red(line);
  if (line.startsWith('~')) return colors.yellow(line);
  return line;
}
