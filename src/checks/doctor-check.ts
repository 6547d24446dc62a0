// Doctor's checks are the shared Check shape (src/ui/check.ts) over a DoctorContext, plus
// when they apply and, for a few, detail lines under the message (a crash log's last lines).
import type { Check, CheckOutcome, CheckResult } from '../ui/check.js';
import type { DoctorContext } from './context.js';

export interface DoctorResult extends CheckResult {
  /** Lines shown under the message, e.g. the last lines of a crashing container's log. */
  details?: string[];
}

export interface DoctorCheck extends Check<DoctorContext> {
  /** pre: only before an install (--pre); installed: only for a release; default: both. */
  when?: 'pre' | 'installed';
  run(context: DoctorContext): Promise<DoctorResult>;
}

export type DoctorOutcome = CheckOutcome & { details?: string[] };

/** A result with detail lines. */
export function withDetails(result: CheckResult, details: readonly string[]): DoctorResult {
  return details.length > 0 ? { ...result, details: [...details] } : result;
}
