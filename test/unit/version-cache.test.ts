// The helm version is asked once per build of the binary: a second command reads it from the
// cache; a rebuilt or replaced binary is asked again; a cache that cannot be written costs nothing.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedVersion } from '../../src/tools/version-cache.js';

describe('cachedVersion', () => {
  it('asks once, then again only when the binary changes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'version-cache-'));
    const binary = join(dir, 'helm');
    await writeFile(binary, 'build 1');
    const env = { XDG_CACHE_HOME: join(dir, 'cache') };
    let asked = 0;
    const ask = (answer: string) => async () => {
      asked++;
      return answer;
    };
    expect(await cachedVersion(binary, ask('v3.22.0'), env)).toBe('v3.22.0');
    expect(await cachedVersion(binary, ask('never asked'), env)).toBe('v3.22.0');
    expect(asked).toBe(1);
    const file = join(dir, 'cache', 'prefect-server-install', 'tool-versions.json');
    expect(Object.keys(JSON.parse(await readFile(file, 'utf8')))).toEqual([binary]);

    await writeFile(binary, 'build 2 is longer');
    expect(await cachedVersion(binary, ask('v4.3.1'), env)).toBe('v4.3.1');
    expect(asked).toBe(2);
  });

  it('a cache that cannot be written: the tool is asked every time, and nothing fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'version-cache-ro-'));
    const binary = join(dir, 'helm');
    await writeFile(binary, 'x');
    let asked = 0;
    const ask = async () => {
      asked++;
      return 'v3.22.0';
    };
    // A cache home below a regular file cannot be created, even by root.
    const env = { XDG_CACHE_HOME: join(binary, 'cache') };
    expect(await cachedVersion(binary, ask, env)).toBe('v3.22.0');
    expect(await cachedVersion(binary, ask, env)).toBe('v3.22.0');
    expect(asked).toBe(2);
  });
});
