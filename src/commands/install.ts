import type { Command } from 'commander';
import { notBuiltYet } from './not-built-yet.js';
import { addApplyOptions, addClusterOptions, addPlanOptions } from './plan-options.js';

export function defineInstall(program: Command): void {
  const command = program
    .command('install')
    .description(
      'install Prefect Server: asks what it needs (or takes flags), shows the plan, installs',
    )
    .option('--create-namespace', 'create the namespace if it does not exist')
    .option('--adopt', 'upgrade an existing release of the same name instead of refusing')
    .option('--output-values <file>', 'keep a copy of the generated values (secrets left out)');
  addClusterOptions(command);
  addPlanOptions(command);
  addApplyOptions(command);
  command
    .addHelpText(
      'after',
      `
Examples:
  $ npx prefect-server-install
  $ prefect-server install -n prefect --create-namespace --agent --expose port-forward --yes
  $ prefect-server install -n prefect --database external --db-host pg.internal --db-existing-secret prefect-db --dry-run`,
    )
    .action(() => notBuiltYet('install'));
}
