import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { findOnPath, locateTool } from '../../src/tools/locate.js';

let first: string;
let second: string;

async function fakeDir(withExecutable: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'locate-'));
  const file = join(dir, 'helm');
  await writeFile(file, '#!/bin/sh\n');
  await chmod(file, withExecutable ? 0o755 : 0o644);
  return dir;
}

beforeAll(async () => {
  first = await fakeDir(false); // a helm that is not executable must be skipped
  second = await fakeDir(true);
});

describe('locateTool', () => {
  it('takes the first executable match on PATH, skipping non-executable files', async () => {
    const path = [first, '', second].join(delimiter);
    expect(await findOnPath('helm', path)).toBe(join(second, 'helm'));
    expect(await locateTool('helm', { PATH: path })).toBe(join(second, 'helm'));
  });

  it('prefers the override variable over PATH', async () => {
    const env = { PATH: second, PREFECT_SERVER_HELM: join(second, 'helm') };
    expect(await locateTool('helm', env)).toBe(join(second, 'helm'));
  });

  it('refuses an override that is relative or not executable instead of falling back', async () => {
    await expect(locateTool('helm', { PATH: second, PREFECT_SERVER_HELM: 'helm' })).rejects.toThrow(
      /not an absolute path/,
    );
    await expect(
      locateTool('helm', { PATH: second, PREFECT_SERVER_HELM: join(first, 'helm') }),
    ).rejects.toThrow(/not an executable file/);
  });

  it('explains how to install a tool that is missing', async () => {
    const error = await locateTool('kubectl', { PATH: first }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe('kubectl was not found on PATH.');
    expect((error as UserError).hint).toMatch(/PREFECT_SERVER_KUBECTL/);
  });
});
