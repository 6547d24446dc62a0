import type { Command } from 'commander';
import { loadOutput } from '../ui/output-settings.js';
import { answersFromFlags, type PlanFlags } from './answers-from-flags.js';
import {
  addApplyOptions,
  addClusterOptions,
  addInstallOnlyOptions,
  addPlanOptions,
  applyOptionsOf,
} from './plan-options.js';

interface InstallFlags extends PlanFlags {
  yes?: boolean;
  dryRun?: boolean;
  timeout: string;
  adopt?: boolean;
  outputValues?: string;
}

export function defineInstall(program: Command): void {
  const command = program
    .command('install')
    .description(
      'install Prefect Server: asks what it needs (or takes flags), shows the plan, installs',
    );
  addInstallOnlyOptions(command);
  command
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
    .action(async (flags: InstallFlags) => {
      const { runInstall } = await import('../install/run-install.js');
      await runInstall(
        await answersFromFlags(flags),
        {
          ...applyOptionsOf(flags),
          adopt: flags.adopt ?? false,
          outputValues: flags.outputValues,
        },
        await loadOutput(),
      );
    });
}
