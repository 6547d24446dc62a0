// The shape every check has, whether install's preflight or doctor runs it: a title, and a run
// that ends in pass, warn or fail with a hint that says what to do. Checks never throw for a
// finding; a check that cannot run at all is a warn that says why.

import { colors } from './output.js';

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

/**
 * Runs checks concurrently, install's preflight and doctor alike. A check never crashes the run:
 * one that cannot run (it throws checks/context.ts's CannotRun, recognised by name so this layer
 * imports nothing above it) is a warn with its own message and hint; any other exception is a
 * warn "could not run: ..." with the error's hint when it has one (a UserError).
 */
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
        result = cannotRun(error);
      }
      return { id: check.id, category: check.category, title: check.title, ...result };
    }),
  );
}

function cannotRun(error: unknown): CheckResult {
  const hint = (error as { hint?: unknown } | undefined)?.hint;
  const hintText = typeof hint === 'string' ? hint : undefined;
  if (error instanceof Error && error.name === 'CannotRun') return warn(error.message, hintText);
  return warn(`could not run: ${error instanceof Error ? error.message : String(error)}`, hintText);
}

/** The checks with these ids or categories, in the order of `checks`; an unknown name throws. */
export function chooseChecks<C extends { id: string; category: string }>(
  checks: readonly C[],
  names: readonly string[],
): C[] {
  for (const name of names) {
    if (!checks.some((c) => c.id === name || c.category === name))
      throw new Error(`no check or category named ${name}`);
  }
  return checks.filter((c) => names.includes(c.id) || names.includes(c.category));
}

/**
 * How an outcome is printed, by install's preflight and by doctor alike: a mark, the title and
 * what was found; the hint (line by line) and any detail lines indented under it.
 */
export function outcomeLines(outcome: CheckOutcome & { details?: readonly string[] }): string[] {
  const mark =
    outcome.status === 'pass'
      ? colors.green('✓')
      : outcome.status === 'warn'
        ? colors.yellow('!')
        : colors.red('✗');
  const lines = [`${mark} ${outcome.title}: ${outcome.message}`];
  if (outcome.hint && outcome.status !== 'pass') {
    for (const hintLine of outcome.hint.split('\n')) lines.push(`    ${colors.cyan(hintLine)}`);
  }
  for (const detail of outcome.details ?? []) lines.push(`    ${detail}`);
  return lines;
}
