import { type Command, Option } from 'commander';
import { addClusterOptions } from './plan-options.js';

interface StatusFlags {
  context?: string;
  kubeconfig?: string;
  namespace?: string;
  release?: string;
  output: 'text' | 'json';
}

export function defineStatus(program: Command): void {
  const command = program
    .command('status')
    .description('one screen: release, components, exposure, database, agent, tenants')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    );
  addClusterOptions(command);
  command
    .addHelpText(
      'after',
      `
Examples:
  $ prefect-server status -n prefect
  $ prefect-server status -n prefect --output json`,
    )
    .action(async (flags: StatusFlags) => {
      const [{ Helm }, { Kubectl }, { findRelease }, { readReleaseStatus, describeStatus }] =
        await Promise.all([
          import('../tools/helm.js'),
          import('../tools/kubectl.js'),
          import('../release/find-release.js'),
          import('../status/release-status.js'),
        ]);
      const target = { kubeconfig: flags.kubeconfig, context: flags.context };
      const [helm, kubectl] = await Promise.all([Helm.create(target), Kubectl.create(target)]);
      const release = await findRelease(helm, {
        release: flags.release,
        namespace: flags.namespace,
      });
      const { isReleasedChart, chartVersionOf } = await import('../release/released-chart.js');
      const { effectiveValues } = await import('../release/effective-values.js');
      const [values, history] = await Promise.all([
        // A released chart's own defaults count (e.g. its database volume setting).
        isReleasedChart(chartVersionOf(release))
          ? effectiveValues(helm, release)
          : helm.userValues(release.name, release.namespace),
        helm.history(release.name, release.namespace),
      ]);
      const status = await readReleaseStatus(
        kubectl,
        release,
        values,
        history.at(-1)?.revision ?? Number(release.revision),
      );
      if (flags.output === 'json') {
        process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        return;
      }
      // The screen is the data asked for, so --quiet does not hide it.
      process.stdout.write(
        describeStatus(status)
          .map((line) => `${line}\n`)
          .join(''),
      );
    });
}
