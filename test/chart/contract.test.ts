// The contract test: for every case of ../shared/original-chart/contract.json and each release it
// was rendered with, our chart rendered with the same values gives each container what the
// original gave it (env names and equivalent values, Secret names and keys, commands, ports,
// probe paths, object names, Service types and annotations, Ingresses). Every difference must be
// one of the deliberate deviations listed, with its reason, in chart/README.md; a listed deviation
// that no case shows any more fails too, so the list stays true.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import {
  type ContractCase,
  contractCases,
  deliberateDeviations,
  differences,
  matches,
  renderLikeOriginal,
} from './contract.js';
import { chartDir, mapLimit } from './render.js';

const deviations = deliberateDeviations(readFileSync(resolve(chartDir, 'README.md'), 'utf8'));
const cases = contractCases();
const [helm3, helm4] = helms();

describe('the container contract of the original chart', () => {
  const found = new Map<string, string[]>();

  beforeAll(async () => {
    // Half the renders on helm 3, half on helm 4: both must give the same contract.
    await mapLimit(cases, 4, async (c) => {
      const helm = cases.indexOf(c) % 2 === 0 ? helm3 : helm4;
      if (!helm) throw new Error('helm 3 and 4 are both needed');
      found.set(key(c), differences(c, await renderLikeOriginal(helm, c)));
    });
  }, 300_000);

  function key(c: ContractCase): string {
    return `${c.name}@${c.release}`;
  }

  it('covers every case and release of contract.json', () => {
    expect(cases.length).toBeGreaterThanOrEqual(29);
    expect(new Set(cases.map((c) => c.name)).size).toBe(12);
  });

  it.each(cases.map((c) => [key(c), c] as const))(
    '%s: every difference from the original is a listed deliberate deviation',
    (name) => {
      const unexplained = (found.get(name) ?? []).filter(
        (line) => !deviations.some((d) => matches(d.pattern, line)),
      );
      expect(unexplained, `differences not in chart/README.md's deviation list`).toEqual([]);
    },
  );

  it('every listed deviation is still seen in some case (the list has no stale entries)', () => {
    const all = [...found.values()].flat();
    const stale = deviations.filter((d) => !all.some((line) => matches(d.pattern, line)));
    expect(stale.map((d) => d.pattern)).toEqual([]);
    for (const d of deviations) expect(d.reason.length, d.pattern).toBeGreaterThan(20);
  });
});
