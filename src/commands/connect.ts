import type { Command } from 'commander';
import { notBuiltYet } from './not-built-yet.js';
import { addClusterOptions, parsePort } from './plan-options.js';

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
    .option('--open', 'open the UI in a browser');
  addClusterOptions(command);
  command
    .addHelpText(
      'after',
      `
Examples:
  $ prefect-server connect -n prefect
  $ prefect-server connect -n prefect --api-port 14200 --ui-port 18080 --no-config
  $ prefect-server connect -n prefect --external`,
    )
    .action(() => notBuiltYet('connect'));
}
