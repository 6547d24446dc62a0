import { type Command, Option } from 'commander';
import { InputError } from '../errors.js';

/** Parses a TCP port flag; refused values are bad input (exit 2), never clamped. */
export function parsePort(flag: string): (value: string) => number {
  return (value) => {
    if (!/^[0-9]+$/.test(value)) {
      throw new InputError(`${flag} must be a whole number from 1 to 65535, got "${value}".`);
    }
    const port = Number(value);
    if (port < 1 || port > 65535) {
      throw new InputError(`${flag} must be a whole number from 1 to 65535, got ${value}.`);
    }
    return port;
  };
}

/** Collects a repeatable flag (`--set a=1 --set b=2`) into a list, in the order given. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Where the cluster is: shared by every command that talks to Kubernetes. */
export function addClusterOptions(command: Command): Command {
  return command
    .option('--context <name>', 'kube context to use (default: the current context)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('-n, --namespace <name>', 'namespace of the release')
    .option(
      '--release <name>',
      'Helm release name (default: prefect-server; for an installed release, the only Prefect Server release of the namespace)',
    );
}

/**
 * Every answer the install wizard asks for has a flag of its own, so install, upgrade and values
 * accept the same words. A password is never a flag: argv is visible to every user in `ps`.
 */
export function addPlanOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--chart-source <source>', 'chart to install (default: bundled)').choices([
        'bundled',
        'repo',
      ]),
    )
    .option(
      '--chart-version <version>',
      'chart version from the repository (with --chart-source repo)',
    )
    .option(
      '--repo-url <url>',
      'Helm repository of released charts (default: https://prefecthq.github.io/server/)',
    )
    .option('--verify', 'verify the chart signature (released charts)')
    .option(
      '--keyring <file>',
      'keyring for --verify (default: the one `prefect-server verify-key` made)',
    )
    .option(
      '--signing-key <file>',
      'public key to verify a re-signed mirror with, instead of Prefect’s',
    )
    .addOption(new Option('--database <mode>', 'database').choices(['bundled', 'external']))
    .option('--db-persistence', 'keep the bundled database on a PersistentVolumeClaim')
    .option('--no-db-persistence', 'bundled database without a volume (data lost with the pod)')
    .option('--db-size <quantity>', 'volume size for the bundled database, e.g. 8Gi')
    .option('--db-storage-class <name>', 'StorageClass for the bundled database volume')
    .option('--db-host <host>', 'external PostgreSQL host')
    .option('--db-port <port>', 'external PostgreSQL port', parsePort('--db-port'))
    .option('--db-name <name>', 'database name')
    .option('--db-user <name>', 'database user')
    .option('--db-existing-secret <name>', 'Secret holding the database password')
    .option('--db-password-stdin', 'read the external database password from standard input')
    .option('--agent', 'deploy the Prefect Kubernetes agent')
    .option('--no-agent', 'do not deploy the agent')
    .option('--agent-labels <labels>', 'comma-separated Prefect labels for the agent')
    .option('--job-cpu-request <quantity>', 'CPU request of flow-run jobs started by the agent')
    .option('--job-cpu-limit <quantity>', 'CPU limit of flow-run jobs')
    .option('--job-memory-request <quantity>', 'memory request of flow-run jobs')
    .option('--job-memory-limit <quantity>', 'memory limit of flow-run jobs')
    .addOption(
      new Option('--expose <mode>', 'how the API and UI are reached').choices([
        'port-forward',
        'loadbalancer',
        'ingress',
      ]),
    )
    .option('--ingress-class <name>', 'IngressClass for --expose ingress')
    .option('--api-host <host>', 'host name of the API Ingress')
    .option('--ui-host <host>', 'host name of the UI Ingress')
    .option('--tls-secret <name>', 'TLS Secret for the Ingress hosts')
    .option(
      '--api-url <url>',
      'API URL as the browser sees it (ui.apolloApiUrl) when it cannot be derived',
    )
    .option('--server-tag <tag>', 'image tag of apollo, graphql and towel')
    .option('--prefect-tag <tag>', 'image tag of Prefect Core (agent, tenant job)')
    .option('--ui-tag <tag>', 'image tag of the UI')
    .option('--tenant', 'create a tenant at install')
    .option('--no-tenant', 'do not create a tenant')
    .option('--tenant-name <name>', 'tenant name (default: default)')
    .option('--tenant-slug <slug>', 'tenant slug (default: default)')
    .option('--image-pull-secret <name>', 'image pull Secret (repeatable)', collect)
    .option('-f, --values <file>', 'extra values file applied on top (repeatable)', collect)
    .option('--set <key=value>', 'extra value applied on top (repeatable)', collect);
}

/** Flags of every command that changes the cluster. */
export function addApplyOptions(command: Command): Command {
  return command
    .option(
      '-y, --yes',
      'do not ask for confirmation (and never prompt: every answer comes from flags)',
    )
    .option('--dry-run', 'change nothing: print the plan, the values and the helm command')
    .option('--timeout <duration>', 'how long helm waits for the release to be ready', '10m');
}
