// Moving a release between released chart versions across the 2022.09.07 line (Bitnami PostgreSQL
// 9 -> 11, and the values keys `postgresql.postgresqlPassword` style -> `postgresql.auth.*`): the
// move is named with a warning to back up first, the keys are translated for the target chart
// (here the volume's: postgresql.persistence -> postgresql.primary.persistence),
// and the database password is neither asked for nor changed. The versions come from a real chart
// repository on 127.0.0.1 (chart/ packaged by helm at those version numbers).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { chartDir, helmHomes, serve } from './support/chart-repo.js';
import { cliEnv, runCli } from './support/cli.js';
import { namespacesForThisFile } from './support/cluster.js';
import { passwordData, releaseHistory, releaseValues } from './support/release.js';

const [h3, h4] = helms() as [ReturnType<typeof helms>[0], ReturnType<typeof helms>[0]];
const versions = ['2022.04.14', '2022.09.23'];
let repo: { url: string; close: () => Promise<void> };
let work: string;
const namespace = namespacesForThisFile();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'chart-move-'));
  const homes = helmHomes(join(work, 'packager'));
  const root = join(work, 'www');
  for (const version of versions)
    await execa(h4.path, ['package', chartDir, '--version', version, '--destination', root], {
      env: homes,
    });
  repo = await serve(root);
  await execa(h4.path, ['repo', 'index', root, '--url', repo.url], { env: homes });
});
afterAll(async () => {
  await repo?.close();
  await rm(work, { recursive: true, force: true });
});

describe.each([h3, h4])('upgrade across the 2022.09.07 chart line ($label)', (h) => {
  it('warns to back up, translates the keys, keeps the password', async () => {
    const ns = await namespace(`e2e-chart-move-${h.label}`);
    // Each run gets its own helm homes: the repository is added there, not in the user's.
    const env = cliEnv(h, helmHomes(join(work, `user-${h.label}`)));
    const installed = await runCli(
      h,
      [
        'install',
        '--yes',
        '-n',
        ns,
        '--no-tenant',
        '--chart-source',
        'repo',
        '--repo-url',
        repo.url,
        '--chart-version',
        versions[0] as string,
      ],
      { env },
    );
    expect(installed.exitCode, String(installed.stderr)).toBe(0);
    const before = await releaseValues(h.path, ns);
    // Written for the seed-era chart: its key for the volume, no postgresql.primary yet.
    expect(before.postgresql).toEqual({ useSubChart: true, persistence: { enabled: false } });
    const password = await passwordData(ns);

    // helm keeps no record of the repository: without --repo-url the public one is tried. A proxy
    // that refuses keeps it unreachable even on a machine with internet access; the error names
    // the flag and nothing changes.
    const guessed = await runCli(
      h,
      ['upgrade', '-n', ns, '--version', versions[1] as string, '--yes'],
      {
        env,
        input: '',
      },
    );
    expect(guessed.exitCode).not.toBe(0);
    expect(guessed.stderr).toContain('name it: --repo-url URL. Nothing was changed.');
    expect((await releaseHistory(h.path, ns)).map((r) => r.revision)).toEqual([1]);

    // A version the repository does not have: bad input, before anything changes.
    const missing = await runCli(
      h,
      ['upgrade', '-n', ns, '--version', '2099.01.01', '--repo-url', repo.url, '--yes'],
      { env, input: '' },
    );
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(
      `Chart version 2099.01.01 is not in ${repo.url} (it has: 2022.09.23, 2022.04.14).`,
    );
    expect(missing.stderr).toContain('Nothing was changed.');
    // No warning about a move to a chart that does not exist.
    expect(`${missing.stdout}${missing.stderr}`).not.toContain('PostgreSQL 9 to 11');

    const upgraded = await runCli(
      h,
      ['upgrade', '-n', ns, '--version', versions[1] as string, '--repo-url', repo.url, '--yes'],
      { env, input: '' },
    );
    expect(upgraded.exitCode, String(upgraded.stderr)).toBe(0);
    const said = `${upgraded.stdout}\n${upgraded.stderr}`;
    expect(said).toContain(
      `Chart ${versions[0]} -> ${versions[1]} moves the database from PostgreSQL 9 to 11 (chart 2022.09.07). Back up the database first`,
    );
    expect(said).toContain(
      'key moved for the target chart: postgresql.persistence -> postgresql.primary.persistence',
    );
    expect(said).not.toMatch(/password:/i);
    expect(await passwordData(ns)).toEqual(password);
    expect((await releaseHistory(h.path, ns)).at(-1)).toMatchObject({
      revision: 2,
      status: 'deployed',
      chart: `prefect-server-${versions[1]}`,
    });
    expect((await releaseValues(h.path, ns)).postgresql).toEqual({
      useSubChart: true,
      primary: { persistence: { enabled: false } },
    });
  });
});
