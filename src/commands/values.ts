import type { Command } from 'commander';
import { notBuiltYet } from './not-built-yet.js';
import { addPlanOptions } from './plan-options.js';

export function defineValues(program: Command): void {
  const command = program
    .command('values')
    .description('print the override values a set of answers produces, to run helm yourself')
    .option('-y, --yes', 'never prompt: every answer comes from flags');
  addPlanOptions(command);
  command
    .addHelpText(
      'after',
      `
Examples:
  $ prefect-server values --yes --agent > my-values.yaml
  $ prefect-server values --yes --expose ingress --api-host api.example.com --ui-host ui.example.com`,
    )
    .action(() => notBuiltYet('values'));
}
