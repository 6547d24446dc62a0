// How doctor's findings are shown: grouped by category with a mark per check, the hint and any
// detail lines under each one that did not pass (text); or one JSON document whose shape is fixed
// by doctor-output.schema.json (schemaVersion 1), for CI. Each check's lines are ui/check.ts's
// outcomeLines, the same install prints its preflight with.

import type { DoctorOutcome } from '../checks/doctor-check.js';
import { outcomeLines } from '../ui/check.js';
import { colors } from '../ui/output.js';

export interface DoctorJson {
  schemaVersion: 1;
  ok: boolean;
  checks: {
    id: string;
    category: string;
    title: string;
    status: 'pass' | 'warn' | 'fail';
    message: string;
    hint: string | null;
    details: string[];
  }[];
}

export function toJson(outcomes: readonly DoctorOutcome[]): DoctorJson {
  return {
    schemaVersion: 1,
    ok: outcomes.every((o) => o.status !== 'fail'),
    checks: outcomes.map((o) => ({
      id: o.id,
      category: o.category,
      title: o.title,
      status: o.status,
      message: o.message,
      hint: o.status === 'pass' ? null : (o.hint ?? null),
      details: o.details ?? [],
    })),
  };
}

export function summary(outcomes: readonly DoctorOutcome[]): string {
  const count = (status: string) => outcomes.filter((o) => o.status === status).length;
  const [passed, warned, failed] = [count('pass'), count('warn'), count('fail')];
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${passed} passed, ${plural(warned, 'warning')}, ${failed} failed`;
}

/** The text report, one string per line, in the order of the categories given. */
export function toText(
  outcomes: readonly DoctorOutcome[],
  categories: readonly string[],
  heading: string,
): string[] {
  const lines = [colors.bold(heading)];
  for (const category of categories) {
    const inCategory = outcomes.filter((o) => o.category === category);
    if (inCategory.length === 0) continue;
    lines.push('', colors.bold(category), colors.dim('-'.repeat(category.length)));
    for (const outcome of inCategory) lines.push(...outcomeLines(outcome));
  }
  const failed = outcomes.some((o) => o.status === 'fail');
  lines.push(
    '',
    `Status: ${failed ? colors.red(summary(outcomes)) : colors.green(summary(outcomes))}`,
  );
  return lines;
}
