import { type Command, Option } from 'commander';
import { InputError } from '../errors.js';
import { releaseRuleHelp } from '../release/release-ref.js';
import { loadOutput } from '../ui/output-settings.js';
import { addClusterOptions, collect } from './plan-options.js';

interface DoctorFlags {
  pre?: boolean;
  category?: string[];
  databaseUrl?: string;
  output: 'text' | 'json';
  addressGrace: number;
  context?: string;
  kubeconfig?: string;
  namespace?: string;
  release?: string;
}

function parseSeconds(value: string): number {
  if (!/^[0-9]+$/.test(value)) {
    throw new InputError(`--address-grace must be a whole number of seconds, got "${value}".`);
  }
  return Number(value);
}

export function defineDoctor(program: Command): void {
  const command = program
    .command('doctor')
    .description(
      'check an install (or, with --pre, a cluster before install): a cause and a fix for every failure',
    )
    .option('--pre', 'run only the checks that make sense before an install')
    .option(
      '--category <name>',
      'run only this category of checks (repeatable, or comma-separated): tools, cluster, permissions, release, workloads, database, api, agent, exposure',
      collect,
    )
    .option(
      '--database-url <url>',
      'reach an external database directly, postgresql://USER@HOST:PORT/DB (password from PGPASSWORD or the release Secret)',
    )
    .option(
      '--address-grace <seconds>',
      'how long a LoadBalancer or Ingress may wait for its address before it counts as a failure',
      parseSeconds,
      180,
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
Exit status: 0 when no check failed (warnings allowed), 1 when one did, 2 for bad input.

${releaseRuleHelp}

Examples:
  $ prefect-server doctor -n prefect
  $ prefect-server doctor --pre -n prefect
  $ prefect-server doctor -n prefect --category database --output json
  $ PGPASSWORD=... prefect-server doctor -n prefect --database-url postgresql://prefect@db.internal:5432/prefect`,
    )
    .action(async (flags: DoctorFlags) => {
      const [{ runDoctor }, ref, { parseDatabaseUrl }] = await Promise.all([
        import('../doctor/run-doctor.js'),
        import('../release/release-ref.js'),
        import('../checks/database-url.js'),
      ]);
      ref.checkReleaseLookup(flags);
      // --pre looks at a cluster before an install: install's defaults, nothing to look up.
      const { namespace, release } = flags.pre
        ? ref.installDefaults(flags)
        : await ref.defaultRelease(flags);
      // Refuse a malformed URL before anything runs (exit 2).
      if (flags.databaseUrl) parseDatabaseUrl(flags.databaseUrl);
      await runDoctor(
        {
          namespace,
          release,
          context: flags.context,
          kubeconfig: flags.kubeconfig,
          pre: flags.pre ?? false,
          databaseUrl: flags.databaseUrl,
          addressGraceSeconds: flags.addressGrace,
          env: process.env,
        },
        flags.category,
        flags.output,
        // createOutput applies NO_COLOR and plain output when piped.
        (await loadOutput()).line,
      );
    });
}
