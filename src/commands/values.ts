import type { Command } from 'commander';
import { answersFromFlags, type PlanFlags } from './answers-from-flags.js';
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
    .action(async (flags: PlanFlags) => {
      // Flags only: the output is meant for a file or a pipe, so nothing is prompted.
      const [{ buildPlan }, { renderValues, valuesToYaml }] = await Promise.all([
        import('../plan/install-plan.js'),
        import('../values/render-values.js'),
      ]);
      const plan = buildPlan(await answersFromFlags(flags));
      process.stdout.write(valuesToYaml(renderValues(plan)));
    });
}
