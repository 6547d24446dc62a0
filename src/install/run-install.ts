// install, end to end: answers -> plan -> values -> preflight -> (confirm) -> helm -> a report
// the user can act on. Nothing touches the cluster before the plan is valid and preflight passed.
import { copyFile } from 'node:fs/promises';
import { runPreflight } from '../checks/preflight.js';
import { ExitCode, UserError } from '../errors.js';
import { buildPlan, type InstallAnswers, type InstallPlan } from '../plan/install-plan.js';
import { applyWithProgress, ownWaitMs } from '../release/apply-with-progress.js';
import { prepareChart } from '../release/chart-source.js';
import { releaseRecords, unfinishedInstall } from '../release/release-records.js';
import { Helm } from '../tools/helm.js';
import { type KubeApi, kubeApiFor } from '../tools/kube-api.js';
import { Kubectl } from '../tools/kubectl.js';
import { PrivateDir } from '../tools/private-files.js';
import { ToolError } from '../tools/run-tool.js';
import { canPrompt } from '../ui/can-prompt.js';
import { outcomeLines } from '../ui/check.js';
import { setInterruptNotice } from '../ui/interrupt.js';
import type { Output } from '../ui/output.js';
import { colors } from '../ui/output.js';
import { renderValues, valuesToYaml } from '../values/render-values.js';
import { Prompter } from '../wizard/prompter.js';
import { onlyUnreachable, renderClientSide } from './client-dry-run.js';
import { storeExternalDatabasePassword } from './database-secret.js';
import { describePlan, nextSteps } from './describe-plan.js';

export interface InstallOptions {
  yes: boolean;
  dryRun: boolean;
  timeout: string;
  adopt: boolean;
  outputValues: string | undefined;
}

/** The adapters an install works through; each is made from the answers' target when not given. */
export interface InstallAdapters {
  helm?: Helm;
  kubectl?: Kubectl;
  prompter?: Prompter;
}

/**
 * Four phases: the answers (the wizard in a terminal), the plan checked against the cluster
 * (preflight), then a dry run or the install itself. Each phase is a function below.
 */
export async function runInstall(
  given: InstallAnswers,
  options: InstallOptions,
  out: Output,
  adapters: InstallAdapters = {},
): Promise<void> {
  const target = { kubeconfig: given.kubeconfig, context: given.context };
  // helm's version is read while the user answers (or while the plan is built): one start less on the path.
  const helmLocated = adapters.helm ? Promise.resolve(adapters.helm) : Helm.create(target);
  helmLocated.catch(() => undefined);
  const kubectl = adapters.kubectl ?? (await Kubectl.create(target));
  const prompter = adapters.prompter ?? new Prompter();
  const answers = canPrompt(options) ? await askAnswers(given, kubectl) : given;
  const plan = buildPlan(answers);
  const k = kubectl.withContext(plan.cluster.context);
  const helm = (await helmLocated).withContext(plan.cluster.context);
  const run: InstallRun = { plan, options, out, helm, kubectl: k, api: kubeApiFor(k), prompter };
  const valuesYaml = valuesToYaml(renderValues(plan));
  const checked = await checkCluster(run);

  out.heading('Plan');
  for (const line of describePlan(plan)) out.line(`  ${line}`);

  const dir = await PrivateDir.create();
  try {
    const valuesFile = await dir.write('values.yaml', valuesYaml);
    // Before anything in the cluster changes: a released chart's repository and signature.
    const { chart, version, verify, extraArgs, explainVerifyFailure } = await prepareChart(
      helm,
      plan.chart,
      {
        workDir: dir.path,
        dryRun: options.dryRun,
        out,
      },
    );
    const request = {
      release: plan.release,
      namespace: plan.namespace,
      chart,
      version,
      verify,
      valuesFiles: [valuesFile, ...plan.extra.valuesFiles],
      // LoadBalancer addresses may never come; the workloads are waited for instead (see applyWithProgress).
      wait: plan.exposure.mode !== 'loadbalancer',
      timeout: options.timeout,
    };
    const verb = options.adopt && !checked.unfinished ? 'upgrade' : 'install';
    const args = [
      ...helm.applyArgs(verb, request),
      ...extraArgs,
      ...plan.extra.set.flatMap((s) => ['--set', s]),
    ];

    if (options.dryRun)
      await showDryRun(run, checked, {
        valuesYaml,
        valuesFile,
        request,
        args,
        extraArgs,
        explainVerifyFailure,
      });
    else await install(run, checked, { valuesFile, args, explainVerifyFailure });
  } finally {
    await dir.remove();
  }
}

/** What every phase works with. */
interface InstallRun {
  plan: InstallPlan;
  options: InstallOptions;
  out: Output;
  helm: Helm;
  kubectl: Kubectl;
  api: KubeApi;
  prompter: Prompter;
}

/** The wizard, for what the flags left open. */
async function askAnswers(given: InstallAnswers, kubectl: Kubectl): Promise<InstallAnswers> {
  const [{ askInstallAnswers }, { wizardContextFromCluster }] = await Promise.all([
    import('../wizard/install-wizard.js'),
    import('../wizard/cluster-context.js'),
  ]);
  return askInstallAnswers(
    given,
    await wizardContextFromCluster(kubectl, (c) => kubectl.withContext(c)),
  );
}

/** What preflight found that the later phases act on. */
interface ClusterChecked {
  /** An unfinished install of the same release, replaced by this one */
  unfinished: string | undefined;
  /** --dry-run without a cluster: why it was not reached */
  unreachable: { message: string } | undefined;
}

/** Preflight: refuses (nothing created) on a failed check; a dry run goes on without a cluster. */
async function checkCluster(run: InstallRun): Promise<ClusterChecked> {
  const { plan, options, out, helm, api } = run;
  const k = run.kubectl;
  const spinner = await out.spinner('Checking the cluster before changing anything');
  const records = releaseRecords(api, helm, plan.namespace, plan.release);
  records.catch(() => undefined);
  const outcomes = await runPreflight({
    plan,
    kubectl: k,
    helm,
    adopt: options.adopt,
    release: records,
  });
  const unfinished = unfinishedInstall(await records.catch(() => []));
  const failures = outcomes.filter((o) => o.status === 'fail');
  // --dry-run without a cluster still renders the chart, on this machine (client-dry-run.ts).
  const unreachable = options.dryRun ? onlyUnreachable(outcomes) : undefined;
  if (failures.length > 0 && !unreachable) {
    spinner.fail('Preflight found problems; nothing was created.');
    for (const o of outcomes.filter((o) => o.status !== 'pass'))
      for (const line of outcomeLines(o)) out.line(line);
    const badInput = failures.every((f) => f.badInput);
    throw new UserError(
      `${failures.length} preflight check${failures.length > 1 ? 's' : ''} failed; nothing was created.`,
      {
        exitCode: badInput ? ExitCode.badInput : ExitCode.failure,
        hint: failures[0]?.hint,
      },
    );
  }
  if (unreachable) {
    spinner.stop();
    out.line(
      `${colors.yellow('!')} The cluster was not reached (${unreachable.message}): this dry run renders the chart on this machine with helm template, without the cluster checks and without server-side validation.`,
    );
  } else {
    spinner.succeed(`Preflight passed (${outcomes.length} checks)`);
    for (const warning of outcomes.filter((o) => o.status === 'warn'))
      out.warn(`${warning.title}: ${warning.message}`);
  }

  return { unfinished, unreachable };
}

interface HelmCommand {
  valuesFile: string;
  args: string[];
  explainVerifyFailure: ((stderr: string) => UserError | undefined) | undefined;
}

/** --dry-run: the values, the helm command, and the API server's (or helm template's) verdict. */
async function showDryRun(
  run: InstallRun,
  { unreachable }: ClusterChecked,
  command: HelmCommand & {
    valuesYaml: string;
    request: Parameters<Helm['applyArgs']>[1];
    extraArgs: string[];
  },
): Promise<void> {
  const { plan, out, helm, api } = run;
  const { valuesYaml, valuesFile, request, args, extraArgs, explainVerifyFailure } = command;
  out.heading('Values (they hold no password)');
  out.line(valuesYaml.trimEnd());
  out.heading('helm command');
  out.line(`  helm ${args.map((a) => (a === valuesFile ? '<values.yaml above>' : a)).join(' ')}`);
  if (plan.database.mode === 'external' && plan.database.password.source === 'new-secret') {
    out.line(
      `  (before it, Secret ${plan.database.password.secretName} would be created with the password)`,
    );
  }
  if (unreachable) {
    const render = await out.spinner(
      'Rendering the chart on this machine (helm template, same chart and values)',
    );
    const objects = await renderClientSide(
      helm,
      request,
      [...extraArgs, ...plan.extra.set.flatMap((s) => ['--set', s])],
      explainVerifyFailure,
    ).catch((error: unknown) => {
      render.fail('helm template refused the chart or the values');
      throw error;
    });
    render.succeed(`helm template rendered ${objects.length} objects:`);
    for (const object of objects) out.line(`  ${object}`);
    out.line(
      `${colors.yellow('!')} The cluster was not reached, so server-side validation was skipped: the API server did not check these objects, and the cluster checks (namespace, permissions, release name, StorageClass, IngressClass, Secrets) did not run. Run the dry run again with the cluster reachable for both.`,
    );
    out.line(colors.dim('Dry run: nothing was changed.'));
    return;
  }
  const check = await out.spinner(
    'Asking the API server to validate every object (server-side dry run)',
  );
  const dryRunArgs = [...args.filter((a) => a !== '--wait'), '--dry-run=server'];
  if (!(await namespaceExists(api, plan.namespace))) {
    check.succeed(
      'Skipped the server-side dry run: the namespace does not exist yet (it would be created).',
    );
  } else {
    const dryRun = await helm.run(dryRunArgs, { allowFailure: true, timeoutMs: 120_000 });
    if (dryRun.exitCode !== 0) {
      check.fail('helm refused the dry run');
      throw explainVerifyFailure?.(dryRun.stderr) ?? new ToolError('helm', dryRunArgs, dryRun);
    }
    check.succeed('The API server accepted every object.');
  }
  out.line(colors.dim('Dry run: nothing was changed.'));
}

/** Confirmed, the namespace and the password Secret created, helm's install applied and waited for. */
async function install(
  run: InstallRun,
  { unfinished }: ClusterChecked,
  { valuesFile, args, explainVerifyFailure }: HelmCommand,
): Promise<void> {
  const { plan, options, out, helm, api, prompter } = run;
  const k = run.kubectl;
  if (canPrompt(options)) {
    if (
      !(await prompter.confirm({
        message: `Install ${plan.release} into ${plan.namespace}?`,
        default: true,
      }))
    ) {
      out.line('Nothing was changed.');
      return;
    }
  }

  if (plan.createNamespace && !(await namespaceExists(api, plan.namespace))) {
    await api.post('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: plan.namespace },
    });
    setInterruptNotice(
      `Interrupted after creating namespace ${plan.namespace}; nothing else was changed. Run the same command again to install.`,
    );
    out.line(`${colors.green('✓')} created namespace ${plan.namespace}`);
  }
  if (unfinished) {
    out.line(
      `Replacing the unfinished install of ${plan.release} (${unfinished}); the database password Secret is kept.`,
    );
    await helm.run(['uninstall', plan.release, '--namespace', plan.namespace, '--wait'], {
      timeoutMs: 300_000,
    });
  }
  const secretName = await storeExternalDatabasePassword(plan, k);
  if (secretName) {
    setInterruptNotice(
      `Interrupted after storing the database password in Secret ${secretName}; the release was not installed. Run the same command again.`,
    );
  }
  if (secretName)
    out.line(`${colors.green('✓')} stored the database password in Secret ${secretName}`);
  if (options.outputValues) {
    await copyFile(valuesFile, options.outputValues);
    out.line(`${colors.green('✓')} values written to ${options.outputValues}`);
  }

  await applyWithProgress(
    helm,
    k,
    args,
    {
      namespace: plan.namespace,
      release: plan.release,
      verb: 'install',
      explainFailure: explainVerifyFailure,
      waitForWorkloadsMs: ownWaitMs(plan.exposure.mode, options.timeout),
    },
    out,
  );
  out.heading(
    `Prefect Server is installed: release ${plan.release} in namespace ${plan.namespace}`,
  );
  for (const line of nextSteps(plan)) out.line(`  ${line}`);
}

async function namespaceExists(api: KubeApi, namespace: string): Promise<boolean> {
  return (await api.get(`/api/v1/namespaces/${namespace}`)) !== undefined;
}
