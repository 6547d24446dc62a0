// docs/commands.md is generated from the built CLI; this fails when a command changed and the
// reference was not regenerated (`npm run build && node scripts/command-reference.mjs`).
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/cli.js';

describe('docs/commands.md', () => {
  it('matches the CLI', async () => {
    const result = await execa('node', ['scripts/command-reference.mjs', '--check'], {
      cwd: repoRoot,
      reject: false,
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });
});
