// install, end to end: answers -> plan -> values -> preflight -> (confirm) -> helm -> a report
// the user can act on. Nothing touches the cluster before the plan is valid and preflight passed.
import { copyFile } from 'node:fs/promises';
import { runPreflight } from '../checks/preflight.js';
import { ExitCode, UserError } from '../errors.js';
import { buildPlan, type InstallAnswers } from '../plan/install-plan.js';
import { applyWithProgress, ownWaitMs } from '../release/apply-with-progress.js';
import { prepareChart } from '../release/chart-source.js';
import { releaseRecords, unfinishedInstall } from '../release/release-records.js';
import { Helm } from '../tools/helm.js';
import { type KubeApi, kubeApiFor } from '../tools/kube-api.js';
import { Kubectl } from '../tools/kubectl.js';
import { PrivateDir } from '../tools/private-files.js';
import { ToolError } from '../tools/run-tool.js';
import { canPrompt } from '../ui/can-prompt.js';
import { setInterruptNotice } from '../ui/interrupt.js';
import type { Output } from '../ui/output.js';
import { colors } from '../ui/output.js';
import { renderValues, valuesToYaml } from '../values/render-values.js';
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

export async function runInstall(
  given: InstallAnswers,
  options: InstallOptions,
  out: Output,
): Promise<void> {
  const target = { kubeconfig: given.kubeconfig, context: given.context };
  // helm's version is read while the user answers (or while the plan is built): one start less on the path.
  const helmLocated = Helm.create(target);
  helmLocated.catch(() => undefined);
  const kubectl = await Kubectl.create(target);
  let answers = given;
  if (canPrompt(options)) {
    const [{ askInstallAnswers }, { wizardContextFromCluster }] = await Promise.all([
      import('../wizard/install-wizard.js'),
      import('../wizard/cluster-context.js'),
    ]);
    answers = await askInstallAnswers(
      given,
      await wizardContextFromCluster(kubectl, (c) => kubectl.withContext(c)),
    );
  }
  const plan = buildPlan(answers);
  const k = kubectl.withContext(plan.cluster.context);
  const helm = (await helmLocated).withContext(plan.cluster.context);
  const api = kubeApiFor(k);
  const valuesYaml = valuesToYaml(renderValues(plan));

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
    out.checks(outcomes.filter((o) => o.status !== 'pass'));
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
    const verb = options.adopt && !unfinished ? 'upgrade' : 'install';
    const args = [
      ...helm.applyArgs(verb, request),
      ...extraArgs,
      ...plan.extra.set.flatMap((s) => ['--set', s]),
    ];

    if (options.dryRun) {
      out.heading('Values (they hold no password)');
      out.line(valuesYaml.trimEnd());
      out.heading('helm command');
      out.line(
        `  helm ${args.map((a) => (a === valuesFile ? '<values.yaml above>' : a)).join(' ')}`,
      );
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
      return;
    }

    if (canPrompt(options)) {
      const { confirm } = await import('@inquirer/prompts');
      if (
        !(await confirm({
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
  } finally {
    await dir.remove();
  }
}

async function namespaceExists(api: KubeApi, namespace: string): Promise<boolean> {
  return (await api.get(`/api/v1/namespaces/${namespace}`)) !== undefined;
}
