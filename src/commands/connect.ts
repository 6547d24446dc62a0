import { type Command, Option } from 'commander';
import { parseDuration } from '../plan/duration.js';
import { releaseRuleHelp } from '../release/release-ref.js';
import { loadOutput } from '../ui/output-settings.js';
import { addClusterOptions, parsePort } from './plan-options.js';

interface ConnectFlags {
  context?: string;
  kubeconfig?: string;
  namespace?: string;
  release?: string;
  apiPort: number;
  uiPort: number;
  external?: boolean;
  config: boolean;
  printConfig?: boolean;
  open?: boolean;
  timeout: number;
}

export function defineConnect(program: Command): void {
  const command = program
    .command('connect')
    .description(
      'reach the API and UI from this machine and point the local Prefect client at them',
    )
    .option('--api-port <port>', 'local port for the API', parsePort('--api-port'), 4200)
    .option('--ui-port <port>', 'local port for the UI', parsePort('--ui-port'), 8080)
    .option('--external', 'use the LoadBalancer or Ingress address instead of port-forwarding')
    .option('--no-config', 'leave ~/.prefect untouched')
    .option('--print-config', 'only print the Prefect client configuration')
    .option('--open', 'open the UI in a browser')
    .addOption(
      new Option(
        '--timeout <duration>',
        'how long to wait for the port-forwards to start, or for a load balancer address',
      )
        .argParser(parseDuration('--timeout'))
        .default(120_000, '2m'),
    );
  addClusterOptions(command);
  command
    .addHelpText(
      'after',
      `
Ports 4200 and 8080 are used when free; when one is taken another free port is picked and
shown. A port given with --api-port or --ui-port is used or refused, never replaced.

${releaseRuleHelp}

Examples:
  $ prefect-server connect -n prefect
  $ prefect-server connect -n prefect --api-port 14200 --ui-port 18080 --no-config
  $ prefect-server connect -n prefect --external`,
    )
    .action(async (flags: ConnectFlags, self: Command) => {
      const { runConnect } = await import('../connect/run-connect.js');
      await runConnect(
        {
          lookup: {
            namespace: flags.namespace,
            release: flags.release,
            context: flags.context,
            kubeconfig: flags.kubeconfig,
          },
          apiPort: flags.apiPort,
          apiPortChosen: self.getOptionValueSource('apiPort') === 'cli',
          uiPort: flags.uiPort,
          uiPortChosen: self.getOptionValueSource('uiPort') === 'cli',
          external: flags.external ?? false,
          writeConfig: flags.config,
          printConfig: flags.printConfig ?? false,
          open: flags.open ?? false,
          timeoutMs: flags.timeout,
        },
        await loadOutput({ quiet: flags.printConfig ?? false }),
      );
    });
}
