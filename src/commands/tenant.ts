import { type Command, Option } from 'commander';
import { notBuiltYet } from './not-built-yet.js';
import { addClusterOptions } from './plan-options.js';

export function defineTenant(program: Command): void {
  const tenant = program
    .command('tenant')
    .description('create and list Prefect tenants through the API');

  const create = tenant
    .command('create')
    .description('create a tenant (an existing slug is success)')
    .option('--name <name>', 'tenant name', 'default')
    .option('--slug <slug>', 'tenant slug: lowercase letters, digits and hyphens', 'default')
    .option('--api-url <url>', 'use this API URL instead of a temporary port-forward');
  addClusterOptions(create);
  create
    .addHelpText(
      'after',
      `
Examples:
  $ prefect-server tenant create -n prefect
  $ prefect-server tenant create --name "Data team" --slug data-team --api-url http://localhost:4200/graphql`,
    )
    .action(() => notBuiltYet('tenant create'));

  const list = tenant
    .command('list')
    .description('list tenants')
    .option('--api-url <url>', 'use this API URL instead of a temporary port-forward')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    );
  addClusterOptions(list);
  list
    .addHelpText(
      'after',
      `
Examples:
  $ prefect-server tenant list -n prefect
  $ prefect-server tenant list -n prefect --output json`,
    )
    .action(() => notBuiltYet('tenant list'));
}
