// The published tarball must work on its own: `npm pack`, install it into an empty project with
// production dependencies only, and run its bins. This catches a `files` list that forgets dist/
// or chart/, and a bin that imports a dev dependency.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
let project: string;

beforeAll(() => {
  return (async () => {
    project = await mkdtemp(join(tmpdir(), 'packed-'));
    const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', project], {
      cwd: repo,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .pop() as string;
    await writeFile(join(project, 'package.json'), '{"name":"consumer","private":true}');
    execFileSync(
      'npm',
      ['install', '--omit=dev', '--no-audit', '--no-fund', join(project, packed)],
      {
        cwd: project,
        stdio: 'pipe',
      },
    );
  })();
}, 180_000);

describe('the packed tarball', () => {
  it('ships the chart and the built CLI', () => {
    const installed = join(project, 'node_modules', 'prefect-server-install');
    expect(existsSync(join(installed, 'chart', 'Chart.yaml'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'cli.js'))).toBe(true);
    expect(existsSync(join(installed, 'keys', 'prefect-chart-signing-key.b64'))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
  });

  it('prints help listing install, upgrade, doctor and connect', () => {
    const help = execFileSync(join(project, 'node_modules', '.bin', 'prefect-server'), ['--help'], {
      encoding: 'utf8',
    });
    for (const command of ['install', 'upgrade', 'doctor', 'connect']) {
      expect(help).toMatch(new RegExp(`^ {2}${command} `, 'm'));
    }
  });

  it('prefect-server-install starts the install command', () => {
    const help = execFileSync(
      join(project, 'node_modules', '.bin', 'prefect-server-install'),
      ['--help'],
      {
        encoding: 'utf8',
      },
    );
    expect(help).toMatch(/^Usage: prefect-server install/m);
  });
});
