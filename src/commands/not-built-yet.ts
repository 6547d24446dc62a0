import { UserError } from '../errors.js';

/**
 * Commands whose body lands in a later release say so plainly and fail, rather than pretending
 * to have done something.
 */
export function notBuiltYet(command: string): never {
  throw new UserError(
    `'prefect-server ${command}' is not built yet in this version of prefect-server-install.`,
    {
      hint: 'Run `prefect-server --help` to see what this version can do.',
    },
  );
}
