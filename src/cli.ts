import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { defineBackup } from './commands/backup.js';
import { defineCompletion } from './commands/completion.js';
import { defineConnect } from './commands/connect.js';
import { defineDoctor } from './commands/doctor.js';
import { defineInstall } from './commands/install.js';
import { definePrune } from './commands/prune.js';
import { defineRestore } from './commands/restore.js';
import { defineStatus } from './commands/status.js';
import { defineTenant } from './commands/tenant.js';
import { defineUninstall } from './commands/uninstall.js';
import { defineUpgrade } from './commands/upgrade.js';
import { defineValues } from './commands/values.js';
import { defineVerifyKey } from './commands/verify-key.js';
import { ExitCode, UserError } from './errors.js';
import { packageRoot } from './package-root.js';
import { endQuietlyOnBrokenPipe } from './ui/broken-pipe.js';
import { installInterruptHandler, interruptedAtPrompt } from './ui/interrupt.js';
import { configureOutput } from './ui/output-settings.js';
import { printError } from './ui/print-error.js';

/** The package's own version, read once from the package.json shipped beside dist/. */
export function packageVersion(): string {
  const packageJson = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  return packageJson.version;
}

/** Every command, by the name it is invoked with, in the order of the top-level help. */
const commandDefinitions: readonly (readonly [string, (program: Command) => void])[] = [
  ['install', defineInstall],
  ['upgrade', defineUpgrade],
  ['doctor', defineDoctor],
  ['connect', defineConnect],
  ['tenant', defineTenant],
  ['values', defineValues],
  ['verify-key', defineVerifyKey],
  ['status', defineStatus],
  ['uninstall', defineUninstall],
  ['backup', defineBackup],
  ['restore', defineRestore],
  ['prune', definePrune],
  ['completion', defineCompletion],
];

/** The command argv invokes: its first word after the root flags (--debug, -q, ...). */
function invokedCommand(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((arg) => !arg.startsWith('-'));
}

/**
 * The whole command tree (or, given the invoked command's name, just that command). Subcommands
 * are created with `program.command()` so they inherit exitOverride and the output settings;
 * action bodies load their heavy modules lazily so that `--help` stays as fast as a bare `node`.
 */
export function buildProgram(invoked?: string): Command {
  const program = new Command('prefect-server')
    .description('Install and operate Prefect Server 1.x on Kubernetes, through helm and kubectl.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--debug', 'print stack traces and the commands run')
    .option('-q, --quiet', 'print nothing but errors and requested data (for scripts)')
    .hook('preAction', (_program, action) => {
      // --quiet may be given before the command or after it (each command has its own).
      configureOutput({ quiet: Boolean(action.optsWithGlobals().quiet) });
    })
    .showSuggestionAfterError(true)
    .exitOverride();

  // Invoked as `prefect-server values ...`, only that command is defined: its flags and help are
  // the same, and building the others' (a good part of start-up) would be for nothing. The
  // completion script lists every command, so it always gets the whole tree.
  const only =
    invoked === 'completion' ? undefined : commandDefinitions.find(([n]) => n === invoked);
  for (const [, define] of only ? [only] : commandDefinitions) define(program);

  // Root options count only before the subcommand, so `upgrade --version X` is the chart version
  // and not the CLI's own; --debug and --quiet are offered on every command instead.
  program.enablePositionalOptions();
  const leaves = (command: Command): Command[] =>
    command.commands.length === 0 ? [command] : command.commands.flatMap(leaves);
  for (const command of program.commands.flatMap(leaves)) {
    command
      .option('--debug', 'print stack traces and the commands run')
      .option('-q, --quiet', 'print nothing but errors and requested data (for scripts)');
  }

  program.addHelpText(
    'after',
    `
Examples:
  $ npx prefect-server-install                 # the wizard: asks, shows the plan, installs
  $ prefect-server doctor -n prefect           # what is wrong and how to fix it
  $ prefect-server connect -n prefect          # API on localhost:4200, UI on localhost:8080`,
  );
  return program;
}

/**
 * Runs the CLI and returns the exit code; never calls process.exit so that output is flushed
 * and tests can call it in-process.
 */
export async function main(argv: readonly string[]): Promise<number> {
  endQuietlyOnBrokenPipe();
  const program = buildProgram(invokedCommand(argv));
  installInterruptHandler();
  if (argv.includes('--debug')) await logCommandsAndRequests();
  try {
    await program.parseAsync([...argv]);
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; every parse error is bad input.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
    }
    // Ctrl-C at a prompt: inquirer says so with ExitPromptError; nothing was changed yet. The
    // same interruption as a signal's (ui/interrupt.ts), printed as its plain sentence.
    const atPrompt = interruptedAtPrompt(error);
    if (atPrompt) {
      process.stderr.write(`${atPrompt.message}\n`);
      return atPrompt.exitCode;
    }
    const debug = argv.includes('--debug');
    printError(error, debug);
    return error instanceof UserError ? error.exitCode : ExitCode.failure;
  }
}

/** --debug: every tool command and API request, to stderr. Neither ever carries a secret. */
async function logCommandsAndRequests(): Promise<void> {
  const [{ onToolCommand }, { onApiRequest }, { basename }] = await Promise.all([
    import('./tools/run-tool.js'),
    import('./tools/kube-api.js'),
    import('node:path'),
  ]);
  onToolCommand((binary, args) =>
    process.stderr.write(`debug: $ ${basename(binary)} ${args.join(' ')}\n`),
  );
  onApiRequest((method, url, transport) =>
    process.stderr.write(`debug: ${method} ${url} (${transport})\n`),
  );
}
