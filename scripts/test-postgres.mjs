#!/usr/bin/env node
// A real PostgreSQL server for the doctor's database tests: Debian's `postgresql` package,
// installed by this script when the machine has none, and throwaway servers that tests start on
// 127.0.0.1 (a temporary data directory, a free port, the socket in the same directory) and stop.
//
//   node scripts/test-postgres.mjs install   install Debian's postgresql if no server is present
//   node scripts/test-postgres.mjs start     start a server; prints its JSON record (port, dir, ...)
//   node scripts/test-postgres.mjs stop DIR  stop the server of that record's dir and remove it
//
// PostgreSQL refuses to run as root: as root, initdb and the server run as the `postgres` user
// (made by the Debian package), or `nobody` when there is none, over a directory chowned to it.

import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const libDir = '/usr/lib/postgresql';

/** The bin directory of the newest installed server (postgres, initdb, pg_ctl), or undefined. */
export function postgresBinDir() {
  if (!existsSync(libDir)) return undefined;
  const versions = readdirSync(libDir)
    .filter((v) => existsSync(join(libDir, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(libDir, versions[0], 'bin');
}

/** Installs Debian's postgresql when no server is installed; instant when one is. */
export function install() {
  const present = postgresBinDir();
  if (present) return { binDir: present, installed: false, seconds: 0 };
  if (process.getuid?.() !== 0) {
    throw new Error(
      'PostgreSQL is not installed and this is not root: run `sudo apt-get install -y --no-install-recommends postgresql`.',
    );
  }
  const started = Date.now();
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], {
    stdio: 'inherit',
    env,
  });
  const binDir = postgresBinDir();
  if (!binDir)
    throw new Error(`apt-get installed postgresql but ${libDir}/*/bin/postgres is missing`);
  return { binDir, installed: true, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

/**
 * A port nobody listens on now on 127.0.0.1.
 * @returns {Promise<number>}
 */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      // listening on a TCP address, so address() is an AddressInfo (a string only for a pipe)
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** Who the server runs as: ourselves, or an unprivileged account when we are root. */
function serverAccount() {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const found = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    if (found.status === 0) {
      const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim();
      return { name, uid: Number(found.stdout.trim()), gid: Number(gid) };
    }
  }
  throw new Error(
    'running as root and there is neither a postgres nor a nobody account to run PostgreSQL as',
  );
}

/**
 * @param {{ uid: number, gid: number } | undefined} account
 * @param {string} binary
 * @param {string[]} args
 * @param {import('node:child_process').ExecFileSyncOptions} [options]
 */
function runAs(account, binary, args, options = {}) {
  const [command, argv] = account
    ? [
        'setpriv',
        [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--clear-groups', binary, ...args],
      ]
    : [binary, args];
  return execFileSync(command, argv, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
}

/**
 * Starts a throwaway server: superuser `postgres` over the Unix socket in `dir` (trust), every
 * other role over TCP on 127.0.0.1:`port` with its password (scram-sha-256), as in production.
 */
export async function start() {
  const binDir = postgresBinDir();
  if (!binDir)
    throw new Error('PostgreSQL is not installed: run `node scripts/test-postgres.mjs install`.');
  const account = serverAccount();
  const dir = mkdtempSync(join(tmpdir(), 'prefect-test-pg-'));
  const data = join(dir, 'data');
  if (account) chownSync(dir, account.uid, account.gid);
  const record = { dir, data, host: '127.0.0.1', socketDir: dir, superuser: 'postgres', binDir };
  try {
    runAs(account, join(binDir, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    /** @type {{ stderr?: string } | undefined} */
    let lastError;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const options = [
        `-p ${port}`,
        '-c listen_addresses=127.0.0.1',
        `-c unix_socket_directories=${dir}`,
        // A test server: nothing to make durable, and little memory on a shared machine.
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c shared_buffers=16MB',
        '-c max_connections=40',
      ].join(' ');
      try {
        runAs(account, join(binDir, 'pg_ctl'), [
          '-D',
          data,
          '-l',
          join(dir, 'server.log'),
          '-w',
          '-t',
          '60',
          '-o',
          options,
          'start',
        ]);
        const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        return { ...record, port, pid, account: account?.name };
      } catch (error) {
        // execFileSync's error carries the child's stderr
        lastError = /** @type {{ stderr?: string }} */ (error);
      }
    }
    const log = existsSync(join(dir, 'server.log'))
      ? readFileSync(join(dir, 'server.log'), 'utf8')
      : '';
    throw new Error(
      `PostgreSQL did not start: ${lastError?.stderr ?? lastError}\n${log.slice(-2000)}`,
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Stops a server started by start() (immediately: there is nothing to keep) and removes its files.
 * @param {{ dir?: string, data: string, binDir?: string, pid?: number } | undefined} server
 */
export function stop(server) {
  if (!server?.dir || !existsSync(server.dir)) return;
  const account = serverAccount();
  // undefined only when PostgreSQL was removed meanwhile: join() then throws inside the try below,
  // and the catch ends the postmaster by its pid
  const binDir = /** @type {string} */ (server.binDir ?? postgresBinDir());
  try {
    runAs(account, join(binDir, 'pg_ctl'), [
      '-D',
      server.data,
      '-m',
      'immediate',
      '-w',
      '-t',
      '20',
      'stop',
    ]);
  } catch {
    // pg_ctl could not do it (e.g. the data dir is damaged): end the postmaster by its own pid.
    const pidFile = join(server.data, 'postmaster.pid');
    const pid =
      server.pid ??
      (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0);
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  }
  rmSync(server.dir, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, argument] = process.argv.slice(2);
  if (command === 'install') {
    const result = install();
    process.stdout.write(
      result.installed
        ? `postgresql: installed in ${result.seconds}s (${result.binDir})\n`
        : `postgresql: present (${result.binDir})\n`,
    );
  } else if (command === 'start') {
    process.stdout.write(`${JSON.stringify(await start())}\n`);
  } else if (command === 'stop' && argument) {
    const record = { dir: argument, data: join(argument, 'data') };
    stop(record);
  } else {
    process.stderr.write('usage: node scripts/test-postgres.mjs install | start | stop DIR\n');
    process.exitCode = 2;
  }
}
