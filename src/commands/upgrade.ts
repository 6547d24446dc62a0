import type { Command } from 'commander';
import { loadOutput } from '../ui/output-settings.js';
import type { PlanFlags } from './answers-from-flags.js';
import {
  addApplyOptions,
  addClusterOptions,
  addPlanOptions,
  applyOptionsOf,
} from './plan-options.js';

interface UpgradeFlags extends PlanFlags {
  yes?: boolean;
  dryRun?: boolean;
  timeout: string;
  atomic?: boolean;
  version?: string;
}

export function defineUpgrade(program: Command): void {
  const command = program
    .command('upgrade')
    .description(
      'change options or versions of a release, keeping every earlier answer and the database password',
    )
    .option('--version <version>', 'target chart version (released charts)')
    .option(
      '--atomic',
      'roll back automatically when the upgrade fails (helm 3; --rollback-on-failure on helm 4)',
    );
  addClusterOptions(command);
  addPlanOptions(command);
  addApplyOptions(command);
  command
    .addHelpText(
      'after',
      `
Examples:
  $ prefect-server upgrade -n prefect --agent --yes
  $ prefect-server upgrade -n prefect --server-tag 2022.09.23 --dry-run
  $ prefect-server upgrade -n prefect --db-size 20Gi --yes   (grow the bundled database volume)
  $ prefect-server upgrade -n prefect --expose ingress --api-host api.example.com --ui-host ui.example.com`,
    )
    .action(async (flags: UpgradeFlags) => {
      const [{ runUpgrade }, { answersFromFlags }] = await Promise.all([
        import('../upgrade/run-upgrade.js'),
        import('./answers-from-flags.js'),
      ]);
      await runUpgrade(
        await answersFromFlags(flags),
        {
          ...applyOptionsOf(flags),
          atomic: flags.atomic ?? false,
          version: flags.version,
        },
        await loadOutput(),
      );
    });
}
