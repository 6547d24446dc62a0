#!/usr/bin/env node
// Installs the real Prefect 1.x client (pinned in scripts/prefect1/requirements.txt) into a
// Python venv in the cache, outside the repo, for the e2e test that runs it against the config
// `prefect-server connect` writes. Idempotent: a complete venv for the same pins is reused.
//
//   node scripts/prefect1-client.mjs install   create the venv if missing; prints its python
//   node scripts/prefect1-client.mjs paths     print the paths as JSON (exists: built or not)
//
// Only pip talks to the network, to the package index pip is configured for.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const requirements = join(repoRoot, 'scripts', 'prefect1', 'requirements.txt');

/** @param {NodeJS.ProcessEnv} env */
function cacheRoot(env) {
  const xdg = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'prefect-server-install');
}

/**
 * A built venv: its paths, how long the build took and whether it was reused.
 * @typedef {ReturnType<typeof prefect1Paths> & { ok: true, seconds: number, cached: boolean }} Prefect1Client
 */

/** The venv's directory (named by a hash of the pins, so new pins build afresh) and binaries. */
export function prefect1Paths(env = process.env) {
  const hash = createHash('sha256').update(readFileSync(requirements)).digest('hex').slice(0, 12);
  const dir = join(cacheRoot(env), `prefect1-venv-${hash}`);
  return {
    dir,
    python: join(dir, 'bin', 'python'),
    prefect: join(dir, 'bin', 'prefect'),
    exists: existsSync(join(dir, '.complete')),
  };
}

/**
 * @param {string} command
 * @param {string[]} args
 */
function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 600_000 });
  if (result.error) return { ok: false, output: String(result.error.message) };
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/**
 * Builds the venv when missing. Returns { ok: true, python, prefect, seconds, cached } or
 * { ok: false, reason } when Python or pip cannot provide it (the test then says why it skips).
 * @returns {Prefect1Client | { ok: false, reason: string }}
 */
export function ensurePrefect1(env = process.env) {
  const paths = prefect1Paths(env);
  if (paths.exists) return { ok: true, ...paths, seconds: 0, cached: true };
  const python = env.PYTHON || 'python3';
  const started = Date.now();
  // A venv is not relocatable (its scripts hold absolute paths): build in place, mark when done.
  rmSync(paths.dir, { recursive: true, force: true });
  mkdirSync(dirname(paths.dir), { recursive: true });
  const venv = run(python, ['-m', 'venv', paths.dir]);
  if (!venv.ok) return { ok: false, reason: `${python} -m venv failed: ${venv.output.trim()}` };
  const pip = run(paths.python, [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    '--no-input',
    '-r',
    requirements,
  ]);
  if (!pip.ok) {
    rmSync(paths.dir, { recursive: true, force: true });
    return {
      ok: false,
      reason: `pip could not install prefect 1: ${pip.output.trim().split('\n').slice(-5).join(' | ')}`,
    };
  }
  writeFileSync(join(paths.dir, '.complete'), `${new Date().toISOString()}\n`);
  // Venvs of earlier pins are dead weight.
  for (const entry of readdirSync(dirname(paths.dir))) {
    const path = join(dirname(paths.dir), entry);
    if (entry.startsWith('prefect1-venv-') && path !== paths.dir)
      rmSync(path, { recursive: true, force: true });
  }
  return { ok: true, ...paths, seconds: Math.round((Date.now() - started) / 1000), cached: false };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2] ?? 'install';
  if (command === 'paths') {
    process.stdout.write(`${JSON.stringify(prefect1Paths(), null, 2)}\n`);
  } else if (command === 'install') {
    const result = ensurePrefect1();
    if (!result.ok) {
      process.stderr.write(`prefect1-client: ${result.reason}\n`);
      process.exit(1);
    }
    process.stderr.write(
      `prefect1-client: ${result.cached ? 'cached' : `installed in ${result.seconds} s`}: ${result.python}\n`,
    );
  } else {
    process.stderr.write('usage: node scripts/prefect1-client.mjs install|paths\n');
    process.exit(2);
  }
}
