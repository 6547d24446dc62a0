import { type Command, Option } from 'commander';
import { InputError } from '../errors.js';
import { type AnswerKey, answerKeys, flagOf, keysOfSection, specOf } from '../plan/answers.js';

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

/** The commander options of one answer (a switch that can be turned off has two). */
export function answerOptions(key: AnswerKey): Option[] {
  const spec = specOf(key);
  const option = new Option(spec.flag, spec.help);
  if (spec.choices) option.choices(spec.choices);
  if (spec.kind === 'port') option.argParser(parsePort(flagOf[key]));
  if (spec.kind === 'repeatable') option.argParser(collect);
  if (!spec.negation) return [option];
  return [option, new Option(`--no-${flagOf[key].slice(2)}`, spec.negation)];
}

function addAnswerOptions(command: Command, keys: AnswerKey[]): Command {
  for (const key of keys) for (const option of answerOptions(key)) command.addOption(option);
  return command;
}

const targetKeys = keysOfSection('target');

/** Where the cluster and the release are: shared by every command that talks to Kubernetes. */
export function addClusterOptions(command: Command): Command {
  return addAnswerOptions(
    command,
    targetKeys.filter((key) => !specOf(key).installOnly),
  );
}

/** The answers only `install` takes (creating the namespace). */
export function addInstallOnlyOptions(command: Command): Command {
  return addAnswerOptions(
    command,
    targetKeys.filter((key) => specOf(key).installOnly),
  );
}

/**
 * Every answer the install wizard asks for has a flag of its own (from the answers table), so
 * install, upgrade and values accept the same words. A password is never a flag: argv is visible
 * to every user in `ps`.
 */
export function addPlanOptions(command: Command): Command {
  return addAnswerOptions(
    command,
    answerKeys.filter((key) => specOf(key).section !== 'target'),
  );
}

/** The parsed flags of addApplyOptions, as the flows take them. */
export function applyOptionsOf(flags: { yes?: boolean; dryRun?: boolean; timeout: string }): {
  yes: boolean;
  dryRun: boolean;
  timeout: string;
} {
  return { yes: flags.yes ?? false, dryRun: flags.dryRun ?? false, timeout: flags.timeout };
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
