// The shape every check has, whether install's preflight or doctor runs it: a title, and a run
// that ends in pass, warn or fail with a hint that says what to do. Checks never throw for a
// finding; a check that cannot run at all is a warn that says why.

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  status: CheckStatus;
  /** One line: what was found. */
  message: string;
  /** One line: what to do about it, usually an exact command. */
  hint?: string | undefined;
  /** A failure that is the user's input (a class or Secret they named that is not there): exit 2. */
  badInput?: boolean;
}

export interface Check<Context> {
  id: string;
  category: string;
  title: string;
  run(context: Context): Promise<CheckResult>;
}

export interface CheckOutcome extends CheckResult {
  id: string;
  category: string;
  title: string;
}

export const pass = (message: string): CheckResult => ({ status: 'pass', message });
export const warn = (message: string, hint?: string): CheckResult => ({
  status: 'warn',
  message,
  hint,
});
export const fail = (message: string, hint?: string, badInput = false): CheckResult => ({
  status: 'fail',
  message,
  hint,
  badInput,
});

/** Runs checks concurrently; an unexpected exception becomes a warn naming it, never a crash. */
export async function runChecks<Context>(
  checks: readonly Check<Context>[],
  context: Context,
): Promise<CheckOutcome[]> {
  return Promise.all(
    checks.map(async (check) => {
      let result: CheckResult;
      try {
        result = await check.run(context);
      } catch (error) {
        result = warn(`could not run: ${error instanceof Error ? error.message : String(error)}`);
      }
      return { id: check.id, category: check.category, title: check.title, ...result };
    }),
  );
}
