import { type Command, Option } from 'commander';
import { parseDuration } from '../plan/duration.js';
import { releaseRuleHelp } from '../release/release-ref.js';
import { loadOutput } from '../ui/output-settings.js';
import { addClusterOptions } from './plan-options.js';

interface TenantFlags {
  context?: string;
  kubeconfig?: string;
  namespace?: string;
  release?: string;
  apiUrl?: string;
  timeout: number;
}

const timeoutOption = () =>
  new Option(
    '--timeout <duration>',
    'how long to keep retrying an API that does not answer or fails (e.g. 30s, 2m)',
  )
    .argParser(parseDuration('--timeout'))
    .default(30_000, '30s');

function apiTarget(flags: TenantFlags) {
  return {
    lookup: {
      namespace: flags.namespace,
      release: flags.release,
      context: flags.context,
      kubeconfig: flags.kubeconfig,
    },
    apiUrl: flags.apiUrl,
    timeoutMs: flags.timeout,
  };
}

export function defineTenant(program: Command): void {
  const tenant = program
    .command('tenant')
    .description('create and list Prefect tenants through the API')
    .addHelpText(
      'after',
      `
${releaseRuleHelp}

Examples:
  $ prefect-server tenant create -n prefect                  # name and slug "default"
  $ prefect-server tenant create --name "Data team" --slug data-team
  $ prefect-server tenant list -n prefect --output json`,
    );

  const create = tenant
    .command('create')
    .description('create a tenant (an existing slug is success)')
    .option('--name <name>', 'tenant name', 'default')
    .option('--slug <slug>', 'tenant slug: lowercase letters, digits and hyphens', 'default')
    .option('--api-url <url>', 'use this API URL instead of a temporary port-forward')
    .addOption(timeoutOption());
  addClusterOptions(create);
  create
    .addHelpText(
      'after',
      `
Examples:
  $ prefect-server tenant create -n prefect
  $ prefect-server tenant create --name "Data team" --slug data-team --api-url http://localhost:4200/graphql`,
    )
    .action(async (flags: TenantFlags & { name: string; slug: string }) => {
      const { runTenantCreate } = await import('../tenant/run-tenant.js');
      await runTenantCreate(
        apiTarget(flags),
        { name: flags.name, slug: flags.slug },
        await loadOutput(),
      );
    });

  const list = tenant
    .command('list')
    .description('list tenants')
    .option('--api-url <url>', 'use this API URL instead of a temporary port-forward')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    )
    .addOption(timeoutOption());
  addClusterOptions(list);
  list
    .addHelpText(
      'after',
      `
Examples:
  $ prefect-server tenant list -n prefect
  $ prefect-server tenant list -n prefect --output json`,
    )
    .action(async (flags: TenantFlags & { output: 'text' | 'json' }) => {
      const { runTenantList } = await import('../tenant/run-tenant.js');
      await runTenantList(
        apiTarget(flags),
        flags.output,
        await loadOutput({ quiet: flags.output === 'json' }),
      );
    });
}
