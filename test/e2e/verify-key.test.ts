// `prefect-server verify-key`, end to end: the real CLI and gpg in a temporary HOME. The bundled
// Prefect key is imported into the CLI's own keyring and described (fingerprint, expiry, what the
// expiry means for the helm under test); a key file with one changed byte is refused; the user's
// ~/.gnupg/pubring.gpg is untouched unless --export-to-default-keyring, and then backed up first.
import {
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HelmUnderTest, helms } from '../support/tools.js';
import { gpg, makeKey, stopAgent, type TestKey } from './support/chart-repo.js';
import { cliBin, cliEnv, repoRoot } from './support/cli.js';

const prefectFingerprint = '34EA382B07D6DFEC05C09B57559390547D1AF7BB';
const [helm3, helm4] = helms() as [HelmUnderTest, HelmUnderTest];
let work: string;
let userKey: TestKey;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'verify-key-'));
  userKey = await makeKey(work, 'someone');
}, 60_000);
afterAll(async () => {
  await stopAgent(userKey);
  await rm(work, { recursive: true, force: true });
});

let homes = 0;
async function freshHome(): Promise<string> {
  homes += 1;
  const home = join(work, `home-${homes}`);
  await mkdir(home, { recursive: true });
  return home;
}

/** The CLI with HOME set to `home` and no GNUPGHOME or XDG_CONFIG_HOME of the developer's. */
function verifyKey(h: HelmUnderTest, home: string, args: string[] = [], bin = cliBin) {
  const { GNUPGHOME: _g, XDG_CONFIG_HOME: _x, ...env } = cliEnv(h);
  return execa('node', [bin, 'verify-key', ...args], {
    env: { ...env, HOME: home },
    extendEnv: false,
    reject: false,
  });
}

/** Fingerprints of the primary keys in a keyring file, read by gpg in a scratch home. */
async function fingerprintsIn(file: string): Promise<string[]> {
  const scratch = await mkdtemp(join(work, 'scratch-'));
  const listing = await gpg(scratch, [
    '--with-colons',
    '--import-options',
    'show-only',
    '--import',
    file,
  ]);
  await rm(scratch, { recursive: true, force: true });
  const lines = String(listing.stdout).split('\n');
  return lines.flatMap((line, i) =>
    line.startsWith('pub:') ? [lines[i + 1]?.split(':')[9] ?? ''] : [],
  );
}

describe.each([helm3, helm4])('verify-key with $label', (h) => {
  it('imports the bundled key into its own keyring and says it expired, and what that means', async () => {
    const home = await freshHome();
    const result = await verifyKey(h, home);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const out = String(result.stdout);
    expect(out).toContain(
      `Imported Prefect's chart-signing key into ${home}/.config/prefect-server/gnupg`,
    );
    expect(out).toMatch(/uid +Michael Adkins <michael@prefect\.io>/);
    expect(out).toContain(
      'fingerprint  34EA 382B 07D6 DFEC 05C0  9B57 5593 9054 7D1A F7BB (the fingerprint pinned in this CLI)',
    );
    expect(out).toMatch(/created +2021-03-09/);
    expect(out).toMatch(/expires +2023-03-09: EXPIRED \d+ days ago/);
    expect(out).toContain("Prefect's signing key expired on 2023-03-09");
    const version = h.majorVersion === 3 ? /v3\.\d+\.\d+/ : /v4\.\d+\.\d+/;
    expect(out).toMatch(
      new RegExp(
        `The installed helm ${version.source} refuses every chart signature checked against an expired key, even a signature made while the key was still valid`,
      ),
    );
    expect(out).toContain('`install --verify` cannot succeed for Prefect');
    const keyring = join(home, '.config/prefect-server/helm-keyring.gpg');
    expect(out).toContain(`Keyring for helm (legacy format): ${keyring}`);
    expect(await fingerprintsIn(keyring)).toEqual([prefectFingerprint]);
    // The user's GnuPG home was neither created nor written.
    await expect(stat(join(home, '.gnupg'))).rejects.toThrow(/ENOENT/);
  });

  it('leaves ~/.gnupg/pubring.gpg alone; with --export-to-default-keyring backs it up, then merges', async () => {
    const home = await freshHome();
    const gnupg = join(home, '.gnupg');
    await mkdir(gnupg, { mode: 0o700 });
    const pubring = join(gnupg, 'pubring.gpg');
    await cp(userKey.publicKeyring, pubring);
    const before = await readFile(pubring);
    const mtime = (await stat(pubring)).mtimeMs;

    const plain = await verifyKey(h, home);
    expect(plain.exitCode).toBe(0);
    expect(await readFile(pubring)).toEqual(before);
    expect((await stat(pubring)).mtimeMs).toBe(mtime);
    expect(await readdir(gnupg)).toEqual(['pubring.gpg']);

    const exported = await verifyKey(h, home, ['--export-to-default-keyring']);
    expect(exported.stderr).toBe('');
    expect(exported.exitCode).toBe(0);
    const backups = (await readdir(gnupg)).filter((f) => f.startsWith('pubring.gpg.backup-'));
    expect(backups).toHaveLength(1);
    const backup = join(gnupg, backups[0] as string);
    expect(exported.stdout).toContain(`Backed up the existing ${pubring} to ${backup}`);
    expect(await readFile(backup)).toEqual(before);
    expect((await fingerprintsIn(pubring)).sort()).toEqual(
      [prefectFingerprint, userKey.fingerprint].sort(),
    );
  });
});

describe('verify-key refuses what is not the published key', () => {
  /**
   * A copy of the installed package whose bundled key has one byte changed (dist/ and bin/ are
   * copied, not linked: the CLI finds keys/ relative to its own real path).
   */
  async function packageWithChangedKeyByte(offset: number): Promise<string> {
    const root = await mkdtemp(join(work, 'package-'));
    for (const entry of ['bin', 'dist', 'package.json'])
      await cp(join(repoRoot, entry), join(root, entry), { recursive: true });
    await symlink(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
    const text = await readFile(join(repoRoot, 'keys/prefect-chart-signing-key.b64'), 'utf8');
    const bytes = Buffer.from(text.trim(), 'base64');
    bytes[offset] = (bytes[offset] as number) ^ 0x01;
    await mkdir(join(root, 'keys'));
    await writeFile(
      join(root, 'keys/prefect-chart-signing-key.b64'),
      `${bytes.toString('base64')}\n`,
    );
    return join(root, 'bin/prefect-server.js');
  }

  it.each([
    [
      50,
      'in the key itself: another fingerprint',
      /it holds [0-9A-F ]+, not Prefect's key 34EA 382B/,
    ],
    [
      1700,
      'in the subkey signature: same fingerprint, which gpg alone would accept',
      /its fingerprint is Prefect's, but its content differs from the key Prefect published/,
    ],
  ] as [number, string, RegExp][])(
    'one changed byte %i (%s): exit 1, nothing imported',
    async (offset, _what, message) => {
      const bin = await packageWithChangedKeyByte(offset);
      const home = await freshHome();
      const result = await verifyKey(helm3, home, [], bin);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/^Error: Refused to import Prefect's signing key: /);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/Hint: .*damaged or was changed.*nothing was imported/);
      await expect(stat(join(home, '.config/prefect-server/helm-keyring.gpg'))).rejects.toThrow(
        /ENOENT/,
      );
    },
  );

  it('refuses a --signing-key file that holds no key as bad input (exit 2)', async () => {
    const home = await freshHome();
    const result = await verifyKey(helm3, home, ['--signing-key', join(repoRoot, 'README.md')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/--signing-key: \S+README\.md holds no OpenPGP public key/);
  });

  it('imports an organisation key with --signing-key and shows its fingerprint', async () => {
    const home = await freshHome();
    const result = await verifyKey(helm4, home, ['--signing-key', userKey.publicKeyFile]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/uid +someone <someone@example\.test>/);
    expect(result.stdout).toMatch(/expires +never/);
    expect(await fingerprintsIn(join(home, '.config/prefect-server/helm-keyring.gpg'))).toEqual([
      userKey.fingerprint,
    ]);
  });
});
