// The output settings the global flags choose (--quiet), kept apart from ui/output.ts so that the
// start-up path (cli.ts, the command definitions) does not load chalk: `--help` and `values`
// never colour anything.

/** Set once from the global flags (--quiet) before any command runs. */
export const outputDefaults = { quiet: false };

export function configureOutput(options: { quiet: boolean }): void {
  outputDefaults.quiet = options.quiet;
}

/** The terminal output of a command, loaded when its action runs (see ui/output.ts). */
export async function loadOutput(
  options: { quiet?: boolean } = {},
): Promise<import('./output.js').Output> {
  const { createOutput } = await import('./output.js');
  return createOutput(options);
}
