import { type Command, Option } from 'commander';
import { releaseRuleHelp } from '../release/release-ref.js';
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
${releaseRuleHelp}

Examples:
  $ prefect-server status -n prefect
  $ prefect-server status -n prefect --output json`,
    )
    .action(async (flags: StatusFlags) => {
      const { runStatus } = await import('../status/run-status.js');
      await runStatus({
        lookup: {
          namespace: flags.namespace,
          release: flags.release,
          context: flags.context,
          kubeconfig: flags.kubeconfig,
        },
        output: flags.output,
      });
    });
}
