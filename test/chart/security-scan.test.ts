// kube-score over every value set of the matrix: zero findings except the checks the chart's
// README excludes with a reason (the table is the single list of exclusions).
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { toolPaths } from '../../scripts/test-tools.mjs';
import { helms } from '../support/tools.js';
import { chartDir, templateRaw } from './render.js';
import { VALUE_SETS } from './value-sets.js';

const kubeScore = (toolPaths() as Record<string, Record<string, string>>)['kube-score']?.[
  'kube-score'
] as string;
const [helm3] = helms();

function documentedExclusions(): string[] {
  const readme = readFileSync(join(chartDir, 'README.md'), 'utf8');
  const table =
    readme
      .split('<!-- kube-score-exclusions:start -->')[1]
      ?.split('<!-- kube-score-exclusions:end -->')[0] ?? '';
  return [...table.matchAll(/^\| `([a-z0-9-]+)` \| (.{20,}) \|$/gm)].map((m) => m[1] as string);
}

describe('security scan (kube-score)', () => {
  const exclusions = documentedExclusions();

  it('reads the exclusions, each with its reason, from chart/README.md', () => {
    expect(exclusions.length).toBeGreaterThan(0);
    expect(new Set(exclusions).size).toBe(exclusions.length);
  });

  it.each(Object.keys(VALUE_SETS))(
    '%s: no findings beyond the documented exclusions',
    async (name) => {
      const values = (VALUE_SETS as Record<string, Record<string, unknown>>)[name] as Record<
        string,
        unknown
      >;
      const rendered = await templateRaw(helm3 as NonNullable<typeof helm3>, values);
      expect(rendered.code).toBe(0);
      const file = join(await mkdtemp(join(tmpdir(), 'kube-score-')), 'manifest.yaml');
      await writeFile(file, rendered.stdout);
      const result = await execa(
        kubeScore,
        [
          'score',
          file,
          '--output-format',
          'ci',
          ...exclusions.flatMap((e) => ['--ignore-test', e]),
        ],
        {
          reject: false,
        },
      );
      const findings = String(result.stdout)
        .split('\n')
        .filter((line) => /^\[(CRITICAL|WARNING)\]/.test(line));
      expect(findings).toEqual([]);
      // It really scanned: the objects were scored.
      expect(String(result.stdout)).toMatch(/^\[OK\] .*apps\/v1\/Deployment/m);
    },
  );

  it('would catch a finding: a chart without requests fails the scan', async () => {
    const values = { hasura: { resources: { requests: {} } } };
    const rendered = await templateRaw(helm3 as NonNullable<typeof helm3>, values);
    const manifest = rendered.stdout.replace(
      /\n\s+readinessProbe:[\s\S]*?(?=\n\s+livenessProbe:)/,
      '',
    );
    const file = join(await mkdtemp(join(tmpdir(), 'kube-score-')), 'manifest.yaml');
    await writeFile(file, manifest);
    const result = await execa(
      kubeScore,
      ['score', file, '--output-format', 'ci', ...exclusions.flatMap((e) => ['--ignore-test', e])],
      { reject: false },
    );
    expect(String(result.stdout)).toMatch(/^\[CRITICAL\]/m);
  });
});
