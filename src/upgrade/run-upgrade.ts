// upgrade: the release's own values are the starting point; only what the user changes is
// re-rendered, everything else stays as it was. helm receives the full merged values (never
// --reuse-values). A diff of values and of objects comes before the change; nothing changes
// without a confirmation (--yes, or a prompt in a terminal).
import { answersFromFlags, type PlanFlags } from '../commands/answers-from-flags.js';
import { parseDuration } from '../connect/duration.js';
import { ExitCode, InputError, UserError } from '../errors.js';
import { bundledChartDefaults, prepareChart } from '../install/chart-source.js';
import { PrivateDir } from '../install/private-files.js';
import { canPrompt } from '../install/run-install.js';
import { buildPlan, flagOf, type InstallAnswers } from '../plan/install-plan.js';
import { applyWithProgress } from '../release/apply-with-progress.js';
import { Helm, type HelmHistoryEntry, type HelmRelease } from '../tools/helm.js';
import { Kubectl } from '../tools/kubectl.js';
import { ToolError } from '../tools/run-tool.js';
import { colors, type Output } from '../ui/output.js';
import { answersFromValues } from '../values/answers-from-values.js';
import { diffValues, mergeValues } from '../values/merge-values.js';
import { renderValues, type Values, valuesToYaml } from '../values/render-values.js';
import { translateValues } from '../values/translate-era.js';
import { compareVersions, firstEra2022Version, valuesEraFor } from '../values/values-era.js';
import { findRelease } from './find-release.js';
import { compareManifests } from './object-changes.js';

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

/** Answers an upgrade cannot change: they name the release or its data. */
const fixedAnswers: (keyof InstallAnswers)[] = [
  'database',
  'dbHost',
  'dbPort',
  'dbName',
  'dbUser',
  'dbExistingSecret',
  'dbPassword',
  'dbPersistence',
  'dbSize',
  'dbStorageClass',
  'createNamespace',
];

const pendingStates = new Set(['pending-install', 'pending-upgrade', 'pending-rollback', 'failed']);

function chartVersionOf(release: HelmRelease): string {
  return release.chart.replace(/^prefect-server-/, '');
}

/** A CalVer chart version is a released chart from the repository; ours is SemVer 0.x. */
function isReleasedChart(version: string): boolean {
  return /^20\d\d\./.test(version);
}

async function recoverPendingRelease(
  helm: Helm,
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
        hint: `Run the install again: prefect-server install -n ${release.namespace} --release ${release.name} (it replaces an unfinished install).`,
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
      'To move data, back it up, install a new release with the new database settings, and restore.',
    );
  }
  return keys;
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
  let history = await helm.history(release.name, release.namespace);
  if (pendingStates.has(release.status)) {
    if (flags.dryRun)
      throw new UserError(
        `Release ${release.name} is ${release.status}; a dry run cannot show an upgrade from there.`,
        { hint: 'Run without --dry-run to recover it first.' },
      );
    await recoverPendingRelease(helm, release, history, flags, out);
    release = await findRelease(helm, { release: release.name, namespace: release.namespace });
    history = await helm.history(release.name, release.namespace);
  }

  const currentVersion = chartVersionOf(release);
  const wantsRepo =
    flags.chartSource === 'repo' ||
    flags.version !== undefined ||
    (flags.chartSource === undefined && isReleasedChart(currentVersion));
  const chart = wantsRepo
    ? {
        source: 'repo' as const,
        repoUrl: flags.repoUrl ?? 'https://prefecthq.github.io/server/',
        version:
          flags.version ??
          flags.chartVersion ??
          (isReleasedChart(currentVersion) ? currentVersion : undefined),
        verify: flags.verify ?? false,
        keyring: flags.keyring,
        signingKey: flags.signingKey,
      }
    : { source: 'bundled' as const };
  const targetEra = valuesEraFor(chart);
  if (
    isReleasedChart(currentVersion) &&
    compareVersions(currentVersion, firstEra2022Version) < 0 &&
    targetEra === '2022.09'
  ) {
    out.warn(
      `Chart ${currentVersion} -> ${chart.source === 'repo' ? (chart.version ?? 'latest') : 'bundled'} moves the database from PostgreSQL 9 to 11 (chart 2022.09.07). Back up the database first: kubectl exec into it and run pg_dump.`,
    );
  }

  const userValues = (await helm.userValues(release.name, release.namespace)) as Values;
  const translated = translateValues(userValues, targetEra);
  const previous = answersFromValues(userValues, release.name);
  let answers: InstallAnswers = {
    ...previous,
    ...Object.fromEntries(Object.entries(fromFlags).filter(([, v]) => v !== undefined)),
    chartSource: chart.source,
    chartVersion: chart.source === 'repo' ? chart.version : undefined,
    namespace: release.namespace,
    release: release.name,
    createNamespace: false,
  };
  let sections = new Set(changes.flatMap((k) => sectionsOf[k] ?? []));

  const nothingAsked =
    changes.length === 0 &&
    !flags.values?.length &&
    !flags.set?.length &&
    flags.version === undefined;
  if (nothingAsked && canPrompt({ yes: flags.yes ?? false })) {
    const chosen = await askWhatToChange(answers, kubectl);
    answers = chosen.answers;
    sections = chosen.sections;
  }
  const plan = buildPlan(answers);
  const rendered = renderValues(plan);
  const overrides = Object.fromEntries(
    Object.entries(rendered).filter(([key]) => sections.has(key)),
  );
  const finalValues = mergeValues(translated.values, overrides);

  const dir = await PrivateDir.create();
  try {
    const valuesFile = await dir.write('values.yaml', valuesToYaml(finalValues));
    // A released chart: its repository and, with --verify, its signature, before anything changes.
    const {
      chart: chartRef,
      version,
      verify,
      extraArgs,
    } = await prepareChart(helm, plan.chart, {
      workDir: dir.path,
      dryRun: flags.dryRun ?? false,
      out,
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
      const reason = dryRun.stderr
        .trim()
        .split('\n')
        .filter(Boolean)
        .join(' ')
        .replace(/^Error: /, '');
      const badInput = /schema|not found|no chart version|invalid|unknown/i.test(reason);
      throw new UserError(`helm refused the upgrade: ${reason}`, {
        exitCode: badInput ? ExitCode.badInput : ExitCode.failure,
        hint: 'Nothing was changed.',
      });
    }
    spinner.succeed('The API server accepted the upgrade');
    const newManifest = (JSON.parse(dryRun.stdout) as { manifest: string }).manifest;
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

    if (flags.dryRun) {
      out.heading('helm command');
      out.line(`  helm ${args.map((a) => (a === valuesFile ? '<merged values>' : a)).join(' ')}`);
      out.line(colors.dim('Dry run: nothing was changed.'));
      return;
    }
    if (valueLines.length === 0 && objectLines.length === 0) {
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
    await applyWithProgress(
      helm,
      kubectl,
      args,
      {
        namespace: release.namespace,
        release: release.name,
        verb: 'upgrade',
        waitForWorkloadsMs:
          plan.exposure.mode === 'loadbalancer'
            ? parseDuration('--timeout')(flags.timeout)
            : undefined,
      },
      out,
    );
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
        hint: 'Nothing was changed by this command before the error.',
      });
    throw error;
  } finally {
    await dir.remove();
  }
}

function colorDiff(line: string): string {
  if (line.startsWith('+')) return colors.green(line);
  if (line.startsWith('-')) return colors.red(line);
  if (line.startsWith('~')) return colors.yellow(line);
  return line;
}

async function pickRelease(candidates: HelmRelease[]): Promise<HelmRelease> {
  const { select } = await import('@inquirer/prompts');
  return select({
    message: 'Which release?',
    choices: candidates.map((r) => ({
      name: `${r.namespace}/${r.name} (${r.chart}, ${r.status})`,
      value: r,
    })),
  });
}

/** The upgrade menu: the user picks sections; only those are asked, with earlier answers kept. */
async function askWhatToChange(
  answers: InstallAnswers,
  kubectl: Kubectl,
): Promise<{ answers: InstallAnswers; sections: Set<string> }> {
  const [{ checkbox }, { askInstallAnswers }, { wizardContextFromCluster }] = await Promise.all([
    import('@inquirer/prompts'),
    import('../wizard/install-wizard.js'),
    import('../install/wizard-context.js'),
  ]);
  const menu: {
    name: string;
    value: string;
    keys: (keyof InstallAnswers)[];
    sections: string[];
  }[] = [
    {
      name: 'agent (enable/disable, labels, job resources)',
      value: 'agent',
      keys: [
        'agent',
        'agentLabels',
        'jobCpuRequest',
        'jobCpuLimit',
        'jobMemoryRequest',
        'jobMemoryLimit',
      ],
      sections: ['agent'],
    },
    {
      name: 'exposure (port-forward, LoadBalancer, Ingress hosts and TLS)',
      value: 'exposure',
      keys: ['expose', 'ingressClass', 'apiHost', 'uiHost', 'tlsSecret', 'apiUrl'],
      sections: ['apollo', 'ui'],
    },
    {
      name: 'image versions',
      value: 'versions',
      keys: ['serverTag', 'prefectTag', 'uiTag'],
      sections: ['serverVersionTag', 'prefectVersionTag', 'uiVersionTag'],
    },
    {
      name: 'tenant Job',
      value: 'tenant',
      keys: ['tenant', 'tenantName', 'tenantSlug'],
      sections: ['jobs'],
    },
    {
      name: 'image pull Secrets',
      value: 'pull',
      keys: ['imagePullSecrets'],
      sections: ['imagePullSecrets'],
    },
  ];
  const picked = await checkbox({
    message: 'What do you want to change?',
    choices: menu.map(({ name, value }) => ({ name, value })),
  });
  const chosen = menu.filter((m) => picked.includes(m.value));
  const next: InstallAnswers = { ...answers };
  for (const item of chosen) for (const key of item.keys) delete next[key];
  // Sections not chosen must not be asked: fill the answers the wizard would otherwise ask for.
  const chart = bundledChartDefaults();
  if (!picked.includes('versions')) {
    next.serverTag ??= chart.serverTag;
    next.prefectTag ??= chart.prefectTag;
    next.uiTag ??= chart.uiTag;
  }
  if (!picked.includes('pull')) next.imagePullSecrets ??= [];
  const asked = await askInstallAnswers(
    next,
    await wizardContextFromCluster(kubectl, (c) => kubectl.withContext(c)),
  );
  if (!picked.includes('versions')) {
    asked.serverTag = answers.serverTag;
    asked.prefectTag = answers.prefectTag;
    asked.uiTag = answers.uiTag;
  }
  return { answers: asked, sections: new Set(chosen.flatMap((m) => m.sections)) };
}
