// chart/README.md carries a values table generated from values.yaml; a stale one fails.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartDir } from './render.js';

const script = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/chart-docs.mjs');

function runDocs(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [script, ...args], (error, stdout, stderr) => {
      done({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

describe('chart docs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chart-docs-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the README values table is up to date (node scripts/chart-docs.mjs --check)', async () => {
    const result = await runDocs(['--check']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('lists every documented value with its default', async () => {
    const readme = await readFile(join(chartDir, 'README.md'), 'utf8');
    const table = readme.slice(
      readme.indexOf('<!-- values:start -->'),
      readme.indexOf('<!-- values:end -->'),
    );
    for (const row of [
      '| `apollo.service.type` | "ClusterIP", "NodePort", "LoadBalancer" | `"ClusterIP"` |',
      '| `postgresql.auth.existingSecret` |',
      '| `postgresql.existingSecret` |',
      '| `prefectVersionTag` | string or number or null | `"1.4.0"` |',
      '| `agent.job.resources.limits.cpu` |',
    ]) {
      expect(table).toContain(row);
    }
  });

  it('fails --check when the table is stale, and rewrites it', async () => {
    const readme = join(dir, 'README.md');
    const current = await readFile(join(chartDir, 'README.md'), 'utf8');
    await writeFile(
      readme,
      current.replace('| `apollo.service.type` |', '| `apollo.service.kind` |'),
    );
    const stale = await runDocs(['--check', '--readme', readme]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('is stale: run `node scripts/chart-docs.mjs`');
    expect(await runDocs(['--readme', readme])).toMatchObject({ code: 0 });
    expect(await readFile(readme, 'utf8')).toBe(current);
  });

  it('refuses a value without a "# --" comment', async () => {
    const values = join(dir, 'values.yaml');
    const text = await readFile(join(chartDir, 'values.yaml'), 'utf8');
    await writeFile(
      values,
      `${text}\nundocumentedKey: 1\napollo2:\n  # -- documented\n  a: 1\n  b: 2\n`,
    );
    const result = await runDocs(['--check', '--values', values]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('undocumentedKey');
    expect(result.stderr).toContain('apollo2.b');
    expect(result.stderr).not.toContain('apollo2.a');
  });

  it('explains precedence, the ClusterIP default and the kept password Secret', async () => {
    const readme = await readFile(join(chartDir, 'README.md'), 'utf8');
    expect(readme).toContain('Two eras of database keys: which one wins');
    expect(readme).toMatch(
      /`postgresql\.auth\.username` \| `postgresql\.postgresqlUsername` \| `prefect`/,
    );
    expect(readme).toContain('`helm.sh/resource-policy: keep`');
    expect(readme).toContain(
      '--set apollo.service.type=LoadBalancer --set ui.service.type=LoadBalancer',
    );
  });
});
