/**
 * Exit codes are part of the CLI's contract: scripts and CI branch on them.
 * 0 ok, 1 a failure while doing the work, 2 bad input (nothing was changed), 130 interrupted.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  badInput: 2,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The one error type the CLI prints without a stack trace: a message a person can act on,
 * an optional hint (usually the command that recovers), and the exit code.
 */
export class UserError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(
    message: string,
    options: { hint?: string; exitCode?: ExitCode; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'UserError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failure;
  }
}

/** Bad input from a flag or an answer: exit 2, and by construction raised before anything changed. */
export class InputError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: ExitCode.badInput });
    this.name = 'InputError';
  }
}
