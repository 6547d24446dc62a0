// The keyring this CLI owns: its own GnuPG home under the user's config directory
// (~/.config/prefect-server/gnupg, or $XDG_CONFIG_HOME/prefect-server/gnupg) and, beside it, the
// legacy-format export that helm's --keyring reads. The user's ~/.gnupg is only ever written by
// exportToDefaultKeyring, which the user asks for by flag, and which backs up what was there.
import { constants } from 'node:fs';
import {
  access,
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { ExitCode, InputError, UserError } from '../errors.js';
import { Gpg } from '../tools/gpg.js';
import { formatFingerprint, type PublicKeyInfo, parseColonKeys } from './gpg-colons.js';
import { bundledKeyPath, prefectKey, readBundledKey, sha256 } from './prefect-key.js';

export interface KeyringPaths {
  configDir: string;
  /** GnuPG home of ours (keybox format, managed by gpg). */
  gnupgHome: string;
  /** The legacy-format export helm reads with --keyring. */
  helmKeyring: string;
}

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir();
}

export function keyringPaths(env: NodeJS.ProcessEnv = process.env): KeyringPaths {
  const xdg = env.XDG_CONFIG_HOME;
  const configDir = join(
    xdg && isAbsolute(xdg) ? xdg : join(home(env), '.config'),
    'prefect-server',
  );
  return {
    configDir,
    gnupgHome: join(configDir, 'gnupg'),
    helmKeyring: join(configDir, 'helm-keyring.gpg'),
  };
}

/** Where helm looks without --keyring: $GNUPGHOME/pubring.gpg, else ~/.gnupg/pubring.gpg. */
export function defaultHelmKeyring(env: NodeJS.ProcessEnv = process.env): string {
  const gnupgHome = env.GNUPGHOME;
  return gnupgHome && gnupgHome !== ''
    ? join(gnupgHome, 'pubring.gpg')
    : join(home(env), '.gnupg', 'pubring.gpg');
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** A throwaway GnuPG home (0700), to look at a key file before anything is imported for real. */
async function withScratchHome<T>(
  env: NodeJS.ProcessEnv,
  work: (gpg: Gpg, dir: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'prefect-server-gnupg-'));
  try {
    return await work(await Gpg.create(dir, env), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The public keys gpg accepts from a file (self-signatures checked), without touching our home. */
async function acceptedKeys(gpg: Gpg, file: string): Promise<PublicKeyInfo[]> {
  await gpg.importFile(file);
  return parseColonKeys(await gpg.listKeys());
}

async function ourGpg(env: NodeJS.ProcessEnv): Promise<{ gpg: Gpg; paths: KeyringPaths }> {
  const paths = keyringPaths(env);
  await mkdir(paths.gnupgHome, { recursive: true, mode: 0o700 });
  return { gpg: await Gpg.create(paths.gnupgHome, env), paths };
}

/** Re-exports our home's public keys to helm's legacy keyring, atomically. */
async function writeHelmKeyring(gpg: Gpg, paths: KeyringPaths): Promise<void> {
  const partial = `${paths.helmKeyring}.partial`;
  await gpg.exportKeyring(partial);
  await rename(partial, paths.helmKeyring);
}

export interface ImportedKeys {
  /** The keys just imported, as our home now lists them. */
  keys: PublicKeyInfo[];
  paths: KeyringPaths;
}

function refuseBundled(problem: string): never {
  throw new UserError(`Refused to import Prefect's signing key: ${problem}.`, {
    hint: `This package's copy of the key (${bundledKeyPath}) is damaged or was changed. Reinstall prefect-server-install; nothing was imported.`,
  });
}

/**
 * Imports the key shipped in this package, after checking it is exactly the one Prefect
 * published (fingerprint ${prefectKey.fingerprint} and content); anything else is refused and
 * nothing is imported.
 */
export async function importPrefectKey(
  env: NodeJS.ProcessEnv = process.env,
  keyFile: string = bundledKeyPath,
): Promise<ImportedKeys> {
  const read = await readBundledKey(keyFile);
  if ('problem' in read) refuseBundled(read.problem);
  await withScratchHome(env, async (gpg, dir) => {
    const file = join(dir, 'prefect.gpg');
    await writeFile(file, read.bytes, { mode: 0o600 });
    // show-only lists what the file holds even when a damaged self-signature would make gpg
    // skip the key on import, so the refusal can name the fingerprint that was found.
    const keys = parseColonKeys((await gpg.showKeys(file)).stdout);
    if (keys.length === 0) refuseBundled('gpg found no OpenPGP key in it');
    const found = keys.map((k) => formatFingerprint(k.fingerprint)).join(', ');
    if (keys.length !== 1 || keys[0]?.fingerprint !== prefectKey.fingerprint) {
      refuseBundled(
        `it holds ${found}, not Prefect's key ${formatFingerprint(prefectKey.fingerprint)}`,
      );
    }
    if (sha256(read.bytes) !== prefectKey.sha256) {
      refuseBundled(
        `its fingerprint is Prefect's, but its content differs from the key Prefect published (SHA-256 ${sha256(read.bytes)} instead of ${prefectKey.sha256})`,
      );
    }
  });
  // Checked: import the same bytes into our own home.
  const { gpg, paths } = await ourGpg(env);
  const file = join(paths.configDir, 'prefect-key.gpg.partial');
  await writeFile(file, read.bytes, { mode: 0o600 });
  try {
    await gpg.importFile(file);
  } finally {
    await rm(file, { force: true });
  }
  const keys = parseColonKeys(await gpg.listKeys()).filter(
    (k) => k.fingerprint === prefectKey.fingerprint,
  );
  if (keys.length !== 1)
    throw new UserError(`gpg did not import Prefect's key into ${paths.gnupgHome}.`);
  await writeHelmKeyring(gpg, paths);
  return { keys, paths };
}

/** The public keys of a user's key file, or an InputError (exit 2) when it holds none. */
export async function readSigningKeyFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  flag = '--signing-key',
): Promise<PublicKeyInfo[]> {
  if (!(await exists(file))) throw new InputError(`${flag}: ${file} does not exist.`);
  const keys = await withScratchHome(env, (gpg) => acceptedKeys(gpg, file));
  if (keys.length === 0) {
    throw new InputError(
      `${flag}: ${file} holds no OpenPGP public key that gpg accepts.`,
      'Give the public key that signed your charts, e.g. from `gpg --export --armor KEY-ID > key.asc`.',
    );
  }
  return keys;
}

/** Imports an organisation's own key (a mirrored, re-signed repository) into our keyring. */
export async function importSigningKey(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ImportedKeys> {
  const offered = await readSigningKeyFile(file, env);
  const { gpg, paths } = await ourGpg(env);
  await gpg.importFile(file);
  const wanted = new Set(offered.map((k) => k.fingerprint));
  const keys = parseColonKeys(await gpg.listKeys()).filter((k) => wanted.has(k.fingerprint));
  await writeHelmKeyring(gpg, paths);
  return { keys, paths };
}

/**
 * The keyring `--verify` uses when no --keyring or --signing-key is given: ours, made on first
 * use from the bundled Prefect key.
 */
export async function ensureOurKeyring(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const paths = keyringPaths(env);
  if (!(await exists(paths.helmKeyring))) await importPrefectKey(env);
  return paths.helmKeyring;
}

/** A legacy keyring holding only the keys of `file`, written into `dir` (a private temp dir). */
export async function temporaryKeyring(
  file: string,
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ keyring: string; keys: PublicKeyInfo[] }> {
  const keys = await readSigningKeyFile(file, env);
  const keyring = join(dir, 'signing-keyring.gpg');
  await withScratchHome(env, async (gpg) => {
    await gpg.importFile(file);
    await gpg.exportKeyring(keyring);
  });
  return { keyring, keys };
}

/** The keys of a keyring file as gpg reads it (for explaining a failed verification). */
export async function keysOfKeyring(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PublicKeyInfo[]> {
  return withScratchHome(env, async (gpg) => parseColonKeys((await gpg.showKeys(file)).stdout));
}

function timestamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * Writes our keys into helm's default keyring (~/.gnupg/pubring.gpg or $GNUPGHOME/pubring.gpg),
 * merged with the keys already there; an existing file is first copied to a backup whose path is
 * returned. Only ever called when the user asked for it.
 */
export async function exportToDefaultKeyring(
  env: NodeJS.ProcessEnv = process.env,
  now: Date = new Date(),
): Promise<{ path: string; backup: string | undefined; mergedExisting: boolean }> {
  const paths = keyringPaths(env);
  const target = defaultHelmKeyring(env);
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  let backup: string | undefined;
  let mode = 0o644;
  if (await exists(target)) {
    mode = (await stat(target)).mode & 0o777;
    backup = `${target}.backup-${timestamp(now)}`;
    try {
      await copyFile(target, backup, constants.COPYFILE_EXCL);
    } catch (error) {
      throw new UserError(
        `Could not back up ${target} to ${backup}: ${(error as Error).message}; it was left untouched.`,
        { exitCode: ExitCode.failure },
      );
    }
  }
  let mergedExisting = false;
  await withScratchHome(env, async (gpg) => {
    if (backup) {
      await gpg.importFile(backup);
      mergedExisting = parseColonKeys(await gpg.listKeys()).length > 0;
    }
    await gpg.importFile(paths.helmKeyring);
    const partial = `${target}.prefect-server-partial`;
    await gpg.exportKeyring(partial);
    await chmod(partial, mode);
    await rename(partial, target);
  });
  return { path: target, backup, mergedExisting };
}
