import { UserError } from '../errors.js';

/**
 * Errors reach the user as one plain sentence and a hint; a stack only with --debug, because a
 * stack trace reads as a crash even when the cause is a typo in a flag.
 */
export function printError(
  error: unknown,
  debug: boolean,
  write = (text: string) => process.stderr.write(text),
): void {
  if (error instanceof UserError) {
    write(`Error: ${error.message}\n`);
    if (error.hint !== undefined) write(`Hint: ${error.hint}\n`);
    if (debug && error.stack !== undefined) write(`${error.stack}\n`);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(`Error: ${message}\n`);
  if (debug && error instanceof Error && error.stack !== undefined) write(`${error.stack}\n`);
  else write('Run again with --debug for details.\n');
}
