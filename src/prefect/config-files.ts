// Reading and writing ~/.prefect: the merge is pure (client-config.ts); here the files are backed
// up once, replaced atomically (a crash never leaves half a file) and symlinks are followed.
import { constants } from 'node:fs';
import { copyFile, mkdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  type ClientSettings,
  clientConfigWarnings,
  mergeBackendConfig,
  mergeClientConfig,
} from './client-config.js';

export interface ClientConfigFiles {
  dir: string;
  config: string;
  backend: string;
}

/** The files `prefect backend server` and the user's config live in, under a home directory. */
export function clientConfigFiles(home: string = homedir()): ClientConfigFiles {
  const dir = join(home, '.prefect');
  return { dir, config: join(dir, 'config.toml'), backend: join(dir, 'backend.toml') };
}

/** Suffix of the copy of a file as it was before this CLI first changed it. */
export const backupSuffix = '.before-prefect-server';

export interface FileOutcome {
  path: string;
  changed: boolean;
  /** The file did not exist before. */
  created?: boolean;
  /** Set when this write made the one-time copy of the user's original file. */
  backup?: string;
}

export interface WriteOutcome {
  files: FileOutcome[];
  warnings: string[];
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A dotfiles user's symlink stays a symlink: the file it points at is what changes. */
async function target(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}

async function replaceFile(
  path: string,
  original: string | undefined,
  text: string,
): Promise<FileOutcome> {
  const file = await target(path);
  let backup: string | undefined;
  let mode = 0o644;
  if (original !== undefined) {
    mode = (await stat(file)).mode & 0o777;
    const candidate = `${file}${backupSuffix}`;
    try {
      // Once: the first original is the one worth keeping, later runs only changed our keys.
      await copyFile(file, candidate, constants.COPYFILE_EXCL);
      backup = candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  await writeFile(temporary, text, { mode });
  await rename(temporary, file);
  return { path, changed: true, created: original === undefined, ...(backup ? { backup } : {}) };
}

/** Merges the server settings into config.toml and sets the backend; unchanged files are left alone. */
export async function writeClientConfig(
  settings: ClientSettings,
  files: ClientConfigFiles,
  env: NodeJS.ProcessEnv = process.env,
): Promise<WriteOutcome> {
  const [configText, backendText] = await Promise.all([
    readIfExists(files.config),
    readIfExists(files.backend),
  ]);
  // Both merges first: a file we cannot read as TOML stops us before anything is written.
  const config = mergeClientConfig(configText, settings);
  const backend = mergeBackendConfig(backendText);
  await mkdir(files.dir, { recursive: true });
  const outcomes: FileOutcome[] = [];
  for (const [path, original, merged] of [
    [files.backend, backendText, backend],
    [files.config, configText, config],
  ] as const) {
    outcomes.push(
      merged.changed ? await replaceFile(path, original, merged.text) : { path, changed: false },
    );
  }
  return { files: outcomes, warnings: clientConfigWarnings(config.text, env) };
}
