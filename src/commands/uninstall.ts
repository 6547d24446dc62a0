import type { Command } from 'commander';
import { releaseRuleHelp } from '../release/release-ref.js';
import { loadOutput } from '../ui/output-settings.js';
import { addClusterOptions } from './plan-options.js';

export function defineUninstall(program: Command): void {
  const command = program
    .command('uninstall')
    .description(
      'remove a release; the database password and volumes are kept unless --delete-data',
    )
    .option('-y, --yes', 'do not ask to type the release name')
    .option(
      '--delete-data',
      'also delete the kept password Secret and database volumes (asks again)',
    );
  addClusterOptions(command);
  command
    .addHelpText(
      'after',
      `
${releaseRuleHelp}

Examples:
  $ prefect-server uninstall -n prefect
  $ prefect-server uninstall -n prefect --yes --delete-data`,
    )
    .action(async (flags) => {
      const { runUninstall } = await import('../uninstall/run-uninstall.js');
      await runUninstall(flags, await loadOutput());
    });
}
