import type { Command } from 'commander';
// Imported up front, unlike other commands' flows: values is a start-up-sized command (the plan
// and its values are small and pure), and a dynamic import costs more than loading them.
import { buildPlan } from '../plan/install-plan.js';
import { renderValues, valuesToYaml } from '../values/render-values.js';
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
      const plan = buildPlan(await answersFromFlags(flags));
      process.stdout.write(valuesToYaml(renderValues(plan)));
    });
}
