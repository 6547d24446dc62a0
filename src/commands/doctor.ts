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
  logTableWarn?: number;
  context?: string;
  kubeconfig?: string;
  namespace?: string;
  release?: string;
}

const sizeUnits: Record<string, number> = {
  '': 1,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

function parseSize(value: string): number {
  const match = /^([0-9]+)(Ki|Mi|Gi|Ti)?$/.exec(value.trim());
  const bytes = match ? Number(match[1]) * (sizeUnits[match[2] ?? ''] ?? 1) : 0;
  if (!(bytes > 0)) {
    throw new InputError(
      `--log-table-warn must be a size above zero such as 500Mi or 2Gi (bytes, Ki, Mi, Gi, Ti), got "${value}".`,
    );
  }
  return bytes;
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
    .option(
      '--log-table-warn <size>',
      'warn when the log table is at least this large, e.g. 500Mi (default 1Gi)',
      parseSize,
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
          logTableWarnBytes: flags.logTableWarn,
          env: process.env,
        },
        flags.category,
        flags.output,
        // createOutput applies NO_COLOR and plain output when piped.
        (await loadOutput()).line,
      );
    });
}
