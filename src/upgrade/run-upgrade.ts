// upgrade: the release's own values are the starting point; only what the user changes is
// re-rendered, everything else stays as it was. helm receives the full merged values (never
// --reuse-values). A diff of values and of objects comes before the change; nothing changes
// without a confirmation (--yes, or a prompt in a terminal).
import { answersFromFlags, type PlanFlags } from '../commands/answers-from-flags.js';
import { ExitCode, InputError, UserError } from '../errors.js';
import { buildPlan, flagOf, type InstallAnswers, type InstallPlan } from '../plan/install-plan.js';
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
import { diffValues, mergeValues } from '../values/merge-values.js';
import { renderValues, type Values, valuesToYaml } from '../values/render-values.js';
import { translateValues } from '../values/translate-era.js';
import { valuesEraFor } from '../values/values-era.js';
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
import { askWhatToChange, pickRelease } from './upgrade-menu.js';

export interface UpgradeFlags extends PlanFlags {
  yes?: boolean;
  dryRun?: boolean;
  timeout: string;
  atomic?: boolean;
  version?: string;
}

/** Which top-level values each answer renders; an upgrade re-renders only the sections touched. */
const sectionsOf: Partial<Record<keyof InstallAnswers, string[]>> = {
  serverTag: ['serverVersionTag'],
  prefectTag: ['prefectVersionTag'],
  uiTag: ['uiVersionTag'],
  imagePullSecrets: ['imagePullSecrets'],
  agent: ['agent'],
  agentLabels: ['agent'],
  jobCpuRequest: ['agent'],
  jobCpuLimit: ['agent'],
  jobMemoryRequest: ['agent'],
  jobMemoryLimit: ['agent'],
  expose: ['apollo', 'ui'],
  ingressClass: ['apollo', 'ui'],
  apiHost: ['apollo', 'ui'],
  uiHost: ['apollo', 'ui'],
  tlsSecret: ['apollo', 'ui'],
  apiUrl: ['apollo', 'ui'],
  tenant: ['jobs'],
  tenantName: ['jobs'],
  tenantSlug: ['jobs'],
};

/** Answers an upgrade cannot change: they name the release or its data (the volume can only grow: dbSize). */
const fixedAnswers: (keyof InstallAnswers)[] = [
  'database',
  'dbHost',
  'dbPort',
  'dbName',
  'dbUser',
  'dbExistingSecret',
  'dbPassword',
  'dbPersistence',
  'dbStorageClass',
  'createNamespace',
];

const pendingStates = new Set(['pending-install', 'pending-upgrade', 'pending-rollback', 'failed']);

async function recoverPendingRelease(
  helm: Helm,
  kubectl: Kubectl,
  release: HelmRelease,
  history: HelmHistoryEntry[],
  flags: UpgradeFlags,
  out: Output,
): Promise<void> {
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
  if (!flags.yes) {
    if (!canPrompt({ yes: false })) {
      throw new UserError(
        `Release ${release.name} must be rolled back to revision ${lastGood.revision} before it can be upgraded.`,
        {
          hint: `Pass --yes to let upgrade do it, or run: ${command}`,
        },
      );
    }
    const { confirm } = await import('@inquirer/prompts');
    if (
      !(await confirm({
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
      flags.timeout,
    ],
    {
      timeoutMs: 30 * 60_000,
    },
  );
  spinner.succeed(`Rolled back to revision ${lastGood.revision}`);
}

/** The answer keys the flags set, refusing the ones an upgrade cannot change. */
function changedKeys(fromFlags: InstallAnswers): (keyof InstallAnswers)[] {
  const ignored = new Set<keyof InstallAnswers>([
    'context',
    'kubeconfig',
    'namespace',
    'release',
    'valuesFiles',
    'set',
    'chartSource',
    'chartVersion',
    'repoUrl',
    'verify',
    'keyring',
    'signingKey',
  ]);
  const keys = (Object.keys(fromFlags) as (keyof InstallAnswers)[]).filter(
    (k) => fromFlags[k] !== undefined && !ignored.has(k),
  );
  const fixed = keys.filter((k) => fixedAnswers.includes(k));
  if (fixed.length > 0) {
    throw new InputError(
      `${fixed.map((k) => flagOf[k]).join(', ')} cannot be changed by upgrade: the database of a release stays where its data is.`,
      'To move data, back it up, install a new release with the new database settings, and restore. (The bundled database volume can grow: --db-size.)',
    );
  }
  return keys;
}

/** The chart the upgrade moves to: --version or a released chart stays on the repository. */
function chooseChart(
  choice: { chartSource?: 'bundled' | 'repo' | undefined; version?: string | undefined },
  flags: UpgradeFlags,
  currentVersion: string,
): InstallPlan['chart'] {
  const wantsRepo =
    choice.chartSource === 'repo' ||
    choice.version !== undefined ||
    (choice.chartSource === undefined && isReleasedChart(currentVersion));
  return wantsRepo
    ? {
        source: 'repo' as const,
        repoUrl: flags.repoUrl ?? defaultRepoUrl,
        version:
          choice.version ??
          flags.chartVersion ??
          (isReleasedChart(currentVersion) ? currentVersion : undefined),
        verify: flags.verify ?? false,
        keyring: flags.keyring,
        signingKey: flags.signingKey,
      }
    : { source: 'bundled' as const };
}

const defaultRepoUrl = 'https://prefecthq.github.io/server/';

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

export async function runUpgrade(flags: UpgradeFlags, out: Output): Promise<void> {
  const target = { kubeconfig: flags.kubeconfig, context: flags.context };
  const [kubectl, helm] = await Promise.all([Kubectl.create(target), Helm.create(target)]);
  const fromFlags = await answersFromFlags(flags);
  const changes = changedKeys(fromFlags);
  if (!flags.yes && !canPrompt({ yes: false }) && !flags.dryRun) {
    throw new InputError(
      'upgrade changes a running release; without a terminal to confirm in, pass --yes (or --dry-run to only look).',
    );
  }

  let release = await findRelease(
    helm,
    { release: flags.release, namespace: flags.namespace },
    canPrompt({ yes: flags.yes ?? false }) ? pickRelease : undefined,
  );
  // Every refusal of --db-size comes before anything changes, the recovery of a pending release too.
  let dbSize = fromFlags.dbSize;
  let resize =
    dbSize === undefined
      ? undefined
      : await planDbSize(
          kubectl,
          release,
          (await helm.userValues(release.name, release.namespace)) as Values,
          dbSize,
        );
  let history = await helm.history(release.name, release.namespace);
  if (pendingStates.has(release.status)) {
    if (flags.dryRun)
      throw new UserError(
        `Release ${release.name} is ${release.status}; a dry run cannot show an upgrade from there.`,
        { hint: 'Run without --dry-run to recover it first.' },
      );
    await recoverPendingRelease(helm, kubectl, release, history, flags, out);
    release = await findRelease(helm, { release: release.name, namespace: release.namespace });
    history = await helm.history(release.name, release.namespace);
    // The rollback may have recreated the StatefulSet: plan the resize on what is there now.
    if (dbSize !== undefined)
      resize = await planDbSize(
        kubectl,
        release,
        (await helm.userValues(release.name, release.namespace)) as Values,
        dbSize,
      );
  }

  const currentVersion = chartVersionOf(release);
  const userValues = (await helm.userValues(release.name, release.namespace)) as Values;
  // A released chart's own defaults count (its apollo and ui are LoadBalancer unless told
  // otherwise); our chart's defaults are the ones answersFromValues assumes already.
  const previous = answersFromValues(
    isReleasedChart(currentVersion) ? await effectiveValues(helm, release) : userValues,
    release.name,
  );
  const current = chooseChart(flags, flags, currentVersion);
  let answers: InstallAnswers = {
    ...previous,
    ...Object.fromEntries(Object.entries(fromFlags).filter(([, v]) => v !== undefined)),
    // The chart as it is, so the wizard behind the menu does not ask for it.
    chartSource: current.source,
    chartVersion: current.source === 'repo' ? current.version : undefined,
    ...(current.source === 'repo' && { repoUrl: current.repoUrl, verify: current.verify }),
    namespace: release.namespace,
    release: release.name,
    createNamespace: false,
  };
  let sections = new Set(changes.flatMap((k) => sectionsOf[k] ?? []));
  let chartChoice: { chartSource?: 'bundled' | 'repo' | undefined; version?: string | undefined } =
    flags;

  const nothingAsked =
    changes.length === 0 &&
    !flags.values?.length &&
    !flags.set?.length &&
    flags.version === undefined;
  if (nothingAsked && canPrompt({ yes: flags.yes ?? false })) {
    const volume =
      (userValues.postgresql as Values | undefined)?.useSubChart === false
        ? undefined
        : await findDatabaseVolume(kubectl, release.namespace, release.name).catch(() => undefined);
    const chosen = await askWhatToChange(answers, kubectl, {
      volume,
      currentVersion,
      repoUrl: flags.repoUrl ?? defaultRepoUrl,
      context: flags.context,
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

  const chart = chooseChart(chartChoice, flags, currentVersion);
  const targetEra = valuesEraFor(chart);
  // A bundled database that cannot follow the chart (database-major-move.ts): refused before
  // anything changes, the repository included.
  const moveInput = {
    release: release.name,
    namespace: release.namespace,
    currentVersion,
    target: chart,
    userValues,
  };
  const move = planDatabaseMove(moveInput);
  if (move.kind === 'refuse') throw new InputError(move.message, move.hint);
  if (move.kind === 'check-secret') {
    const found = await kubectl.run(
      [
        'get',
        'secret',
        move.secret,
        '--namespace',
        release.namespace,
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
  const translated = translateValues(userValues, targetEra);
  answers = {
    ...answers,
    chartSource: chart.source,
    chartVersion: chart.source === 'repo' ? chart.version : undefined,
    repoUrl: chart.source === 'repo' ? chart.repoUrl : fromFlags.repoUrl,
    verify: chart.source === 'repo' ? chart.verify : fromFlags.verify,
  };
  if (dbSize !== undefined) {
    // The cluster showed the volume exists; the size rule is checked again by buildPlan.
    answers.database = 'bundled';
    answers.dbPersistence = true;
    answers.dbSize = dbSize;
  }
  const plan = buildPlan(answers);
  const rendered = renderValues(plan);
  const overrides = Object.fromEntries(
    Object.entries(rendered).filter(([key]) => sections.has(key)),
  );
  let finalValues = mergeValues(translated.values, overrides);
  // Only the size key changes: the rest of the database section stays exactly as installed.
  if (dbSize !== undefined) finalValues = mergeValues(finalValues, sizeOverride(targetEra, dbSize));

  const dir = await PrivateDir.create();
  let volumeChanged = false;
  try {
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
      dryRun: flags.dryRun ?? false,
      out,
      verb: 'upgrade',
    }).catch((error: unknown) => {
      // helm does not record which repository a release came from; without --repo-url the
      // public one is assumed, which a mirror or an offline cluster does not have.
      if (error instanceof UserError && plan.chart.source === 'repo' && !flags.repoUrl)
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
      timeout: flags.timeout,
      rollbackOnFailure: flags.atomic ?? false,
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

    if (flags.dryRun) {
      out.heading('helm command');
      out.line(
        `  helm ${applyArgs.map((a) => (a === valuesFile ? '<merged values>' : a)).join(' ')}`,
      );
      out.line(colors.dim('Dry run: nothing was changed.'));
      return;
    }
    if (valueLines.length === 0 && objectLines.length === 0 && !volumeWork) {
      out.line('Nothing to change.');
      return;
    }
    if (!flags.yes) {
      const { confirm } = await import('@inquirer/prompts');
      if (!(await confirm({ message: `Apply this upgrade to ${release.name}?`, default: true }))) {
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
      volumeChanged = true;
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
          waitForWorkloadsMs: ownWaitMs(plan.exposure.mode, flags.timeout, loadBalancers),
        },
        out,
      );
    } catch (error) {
      if (!(error instanceof UserError) || error.exitCode !== ExitCode.failure) throw error;
      const rolledBack = flags.atomic ? await atomicRollback(helm, release, error) : undefined;
      const failure = rolledBack ?? error;
      if (!(resize && dbSize !== undefined && volumeChanged)) throw failure;
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
  } catch (error) {
    if (error instanceof ToolError)
      throw new UserError(error.message, {
        hint:
          volumeChanged && resize && dbSize !== undefined
            ? stateAfterFailedUpgrade(resize.volume, release.name, dbSize, resize.steps)
            : 'Nothing was changed by this command before the error.',
      });
    throw error;
  } finally {
    await dir.remove();
  }
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
