// Random valid plans render values that helm 3 and helm 4 accept and that the real API server
// accepts in a server-side dry run (schema, field validation, admission): nothing is created.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/install-plan.js';
import { renderValues, valuesToYaml } from '../../src/values/render-values.js';
import { validAnswers } from '../support/arbitraries.js';
import { helms } from '../support/tools.js';
import { repoRoot } from './support/cli.js';
import { createNamespace, helm, kubectl } from './support/cluster.js';

let ns: { name: string; remove: () => Promise<void> };
beforeAll(async () => {
  ns = await createNamespace('e2e-properties');
});
afterAll(async () => {
  await ns.remove();
});

describe('names YAML 1.1 would read as booleans', () => {
  it.each(['y', 'no', 'on'])(
    'a release named %s installs (labels stay strings)',
    async (release) => {
      for (const h of helms()) {
        const result = await helm(
          h.path,
          ['install', release, join(repoRoot, 'chart'), '-n', ns.name, '--dry-run=server'],
          { reject: false },
        );
        expect(result.exitCode, `${h.label}: ${String(result.stderr)}`).toBe(0);
      }
    },
  );
});

describe('random valid plans', () => {
  it('are accepted by helm 3 and helm 4 and by the API server (server-side dry run)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plans-'));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(validAnswers, async (answers) => {
        const file = join(dir, `values-${run++}.yaml`);
        await writeFile(file, valuesToYaml(renderValues(buildPlan(answers))), { mode: 0o600 });
        for (const h of helms()) {
          const result = await helm(
            h.path,
            [
              'install',
              answers.release as string,
              join(repoRoot, 'chart'),
              '-n',
              ns.name,
              '-f',
              file,
              '--dry-run=server',
            ],
            { reject: false },
          );
          expect(result.exitCode, `${h.label}: ${String(result.stderr)}`).toBe(0);
          expect(String(result.stdout)).toContain('kind: Deployment');
        }
      }),
      { numRuns: 6 },
    );
    const created = await kubectl(['get', 'deployments,secrets', '-n', ns.name, '-o', 'name']);
    expect(
      String(created.stdout)
        .split('\n')
        .filter((l) => l.startsWith('deployment')),
    ).toEqual([]);
  });
});
