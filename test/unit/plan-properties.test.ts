// Properties over many random answers: every valid plan renders values that read back as the same
// answers, and every flag value is either accepted or refused with exit 2 naming the flag, exactly
// as its rule says.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { buildPlan } from '../../src/plan/install-plan.js';
import * as rules from '../../src/plan/rules.js';
import { answersFromValues } from '../../src/values/answers-from-values.js';
import { renderValues } from '../../src/values/render-values.js';
import { validAnswers } from '../support/arbitraries.js';

afterEach(() => vi.restoreAllMocks());

async function values(args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  const code = await main(['node', 'prefect-server', 'values', '--yes', ...args]);
  vi.restoreAllMocks();
  return { code, err };
}

describe('random valid plans', () => {
  it('render values that read back as the same plan', () => {
    fc.assert(
      fc.property(validAnswers, (answers) => {
        const rendered = renderValues(buildPlan(answers));
        const again = renderValues(
          buildPlan({
            ...answersFromValues(rendered, answers.release as string),
            release: answers.release,
          }),
        );
        expect(again).toEqual(rendered);
      }),
      { numRuns: 300 },
    );
  });
});

describe('random flag values are accepted or refused exactly as their rule says', () => {
  const cases: [string, rules.Rule, string[]][] = [
    ['--server-tag', rules.imageTag, []],
    ['--tenant-slug', rules.tenantSlug, []],
    ['--db-size', rules.quantity('Database volume size'), ['--db-persistence']],
    ['--api-host', rules.hostName, ['--expose', 'ingress', '--ui-host', 'ui.example.com']],
  ];
  it.each(cases)('%s', async (flag, rule, context) => {
    const text = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.stringMatching(/^[a-zA-Z0-9.:_/*-]{1,20}$/),
    );
    await fc.assert(
      fc.asyncProperty(
        text.filter((s) => !s.startsWith('-') && !s.includes('\0')),
        async (value) => {
          const { code, err } = await values([...context, flag, value]);
          if (rule(value) === undefined) {
            // The only other refusal a valid value may meet is another rule on the same answer.
            if (code !== 0) expect(err).toMatch(/must be different|needs|is for/);
          } else {
            expect(code).toBe(2);
            expect(err).toContain(flag);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
