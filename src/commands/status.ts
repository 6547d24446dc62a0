import { type Command, Option } from 'commander';
import { notBuiltYet } from './not-built-yet.js';
import { addClusterOptions } from './plan-options.js';

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
    .action(() => notBuiltYet('status'));
}
