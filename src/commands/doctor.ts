import { type Command, Option } from 'commander';
import { notBuiltYet } from './not-built-yet.js';
import { addClusterOptions } from './plan-options.js';

export function defineDoctor(program: Command): void {
  const command = program
    .command('doctor')
    .description(
      'check an install (or, with --pre, a cluster before install): a cause and a fix for every failure',
    )
    .option('--pre', 'run only the checks that make sense before an install')
    .option('--category <name>', 'run only this category of checks (repeatable)')
    .option(
      '--database-url <url>',
      'reach an external database directly (password from PGPASSWORD)',
    )
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
  $ prefect-server doctor -n prefect
  $ prefect-server doctor --pre -n prefect
  $ prefect-server doctor -n prefect --category database --output json`,
    )
    .action(() => notBuiltYet('doctor'));
}
