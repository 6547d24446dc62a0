#!/usr/bin/env node
// `npm run bench`: speed and size, measured as ratios of pairs timed side by side in one run (so
// they hold on a noisy shared machine), printed as a table with one verdict per target.
// Not part of `npm test`. Needs the test tools (npm run test-tools) and builds dist first.
//
//   BENCH_RUNS=15   repetitions of the start-up pairs (install pairs use BENCH_INSTALL_RUNS=3)
//   E2E_KUBECONFIG  use a running test cluster instead of starting one
//   BENCH_ONLY=install,doctor   run only these parts (startup, footprint, install, prompt, doctor,
//                               backup: fills a 1 GB database, minutes)

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { down, up } from './cluster.mjs';
import { toolPaths } from './test-tools.mjs';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const cli = join(repo, 'bin', 'prefect-server.js');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const installRuns = Number(process.env.BENCH_INSTALL_RUNS ?? 3);
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
/** @param {string} part */
const wanted = (part) => !only || only.has(part);
/** @type {string[][]} */
const rows = [];
/** @type {string[]} */
const verdicts = [];

/** @param {number[]} xs a non-empty list */
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (/** @type {number} */ i) => /** @type {number} */ (s[i]);
  return s.length % 2 ? at((s.length - 1) / 2) : (at(s.length / 2 - 1) + at(s.length / 2)) / 2;
};

/**
 * @param {string} command
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} [env]
 */
function timeOnce(command, args, env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return ms;
}

/**
 * A row of two durations measured once each, and their ratio.
 * @param {string} name
 * @param {number} oursMs
 * @param {number} baselineMs
 */
function timedPairRow(name, oursMs, baselineMs) {
  rows.push([
    name,
    `${(oursMs / 1000).toFixed(1)} s`,
    `${(baselineMs / 1000).toFixed(1)} s`,
    (oursMs / baselineMs).toFixed(2),
  ]);
}

/**
 * Times a pair alternately (a, b, a, b, ...) so drift in machine load hits both alike.
 * @param {string} name
 * @param {(env: NodeJS.ProcessEnv) => number} a
 * @param {(env: NodeJS.ProcessEnv) => number} b
 * @param {number} n
 */
function pair(name, a, b, n, env = process.env) {
  /** @type {[number[], number[]]} */
  const [ta, tb] = [[], []];
  for (let i = 0; i < n; i++) {
    ta.push(a(env));
    tb.push(b(env));
  }
  const [ma, mb] = [median(ta), median(tb)];
  rows.push([name, `${ma.toFixed(0)} ms`, `${mb.toFixed(0)} ms`, (ma / mb).toFixed(2)]);
  return ma / mb;
}

/**
 * @param {string} target
 * @param {boolean} ok
 * @param {string} detail
 */
function verdict(target, ok, detail) {
  verdicts.push(`${ok ? 'PASS' : 'FAIL'}  ${target}: ${detail}`);
}

/**
 * @param {string} path
 * @returns {number}
 */
function dirSize(path) {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) total += dirSize(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

function startup() {
  const node = () => timeOnce('node', ['-e', '0']);
  const help = pair(
    'start-up: --help vs node -e 0',
    () => timeOnce('node', [cli, '--help']),
    node,
    runs,
  );
  verdict('--help within 1.5x node -e 0', help <= 1.5, `${help.toFixed(2)}x`);
  const values = pair(
    'start-up: values --yes --agent vs node -e 0',
    () => timeOnce('node', [cli, 'values', '--yes', '--agent']),
    node,
    runs,
  );
  verdict('values within 1.5x node -e 0', values <= 1.5, `${values.toFixed(2)}x`);
}

function footprint() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pack-'));
  // split() returns at least one element, so pop() gives a string
  const tarball = /** @type {string} */ (
    execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], {
      cwd: repo,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .pop()
  );
  const tarSize = statSync(join(dir, tarball)).size;
  writeFileSync(join(dir, 'package.json'), '{"name":"bench-consumer","private":true}');
  execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', join(dir, tarball)], {
    cwd: dir,
    stdio: 'ignore',
  });
  const modules = join(dir, 'node_modules');
  const lock = JSON.parse(
    execFileSync('cat', [join(dir, 'package-lock.json')], { encoding: 'utf8' }),
  );
  const packages = Object.keys(lock.packages ?? {}).filter(
    (p) => p.startsWith('node_modules/') && p !== 'node_modules/prefect-server-install',
  ).length;
  const size = dirSize(modules);
  rows.push(['footprint: packed tarball', `${(tarSize / 1024).toFixed(0)} KiB`, '', '']);
  rows.push([
    'footprint: node_modules (production)',
    `${(size / 1048576).toFixed(1)} MB`,
    `${packages} packages`,
    '',
  ]);
  verdict('node_modules under 10 MB', size < 10 * 1048576, `${(size / 1048576).toFixed(1)} MB`);
  verdict('under 60 packages', packages < 60, `${packages} packages`);
  return { dir, tarball };
}

/**
 * Time from `npx <tarball>` to the wizard's first prompt, in a real pseudo-terminal.
 * @param {{ dir: string, tarball: string }} pack
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<number>}
 */
function timeToFirstPrompt(pack, env) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const shell = `cd ${pack.dir} && exec npx --yes ./${pack.tarball}`;
    const child = spawn('script', ['-q', '-f', '-c', shell, '/dev/null'], {
      env: { ...env, TERM: 'xterm' },
    });
    let text = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no prompt within 60 s; screen: ${text.slice(-500)}`));
    }, 60_000);
    child.stdout.on('data', (chunk) => {
      text += String(chunk);
      if (/Namespace to install into|Kubernetes context/.test(text)) {
        clearTimeout(timer);
        const ms = Date.now() - started;
        child.kill('SIGKILL');
        resolve(ms);
      }
    });
  });
}

/**
 * @param {string} kubeconfig
 * @param {string} helm
 */
function installOverhead(kubeconfig, helm) {
  const env = { ...process.env, KUBECONFIG: kubeconfig, PREFECT_SERVER_HELM: helm, CI: '1' };
  const dir = mkdtempSync(join(tmpdir(), 'bench-values-'));
  const valuesFile = join(dir, 'values.yaml');
  writeFileSync(valuesFile, execFileSync('node', [cli, 'values', '--yes'], { encoding: 'utf8' }), {
    mode: 0o600,
  });
  let n = 0;
  const fresh = () => `bench-${process.pid}-${n++}`;
  const ours = () =>
    timeOnce(
      'node',
      [cli, 'install', '--yes', '-n', fresh(), '--create-namespace', '--quiet'],
      env,
    );
  const raw = () =>
    timeOnce(
      helm,
      [
        'install',
        'prefect-server',
        join(repo, 'chart'),
        '-n',
        fresh(),
        '--create-namespace',
        '-f',
        valuesFile,
        '--wait',
        '--timeout',
        '5m',
      ],
      env,
    );
  const ratio = pair('install --yes vs helm install --wait', ours, raw, installRuns, env);
  verdict('install within 1.15x raw helm install --wait', ratio <= 1.15, `${ratio.toFixed(2)}x`);
  // Where the overhead would come from: every process install starts and every API request,
  // as --debug lists them (one more install, not timed).
  const debug = spawnSync(
    'node',
    [cli, 'install', '--yes', '-n', fresh(), '--create-namespace', '--quiet', '--debug'],
    { env, encoding: 'utf8' },
  );
  const lines = debug.stderr.split('\n');
  const started = lines.filter((l) => l.startsWith('debug: $ ')).map((l) => l.split(' ')[2]);
  const requests = lines.filter((l) => /^debug: (GET|POST) /.test(l)).length;
  const count = (/** @type {string} */ tool) => started.filter((t) => t === tool).length;
  rows.push([
    'install: processes started',
    `${count('helm')} helm`,
    `${count('kubectl')} kubectl`,
    `${requests} API requests`,
  ]);
  return env;
}

/**
 * @param {string} kubeconfig
 * @param {string} _helm
 * @param {NodeJS.ProcessEnv} env
 */
function doctor(kubeconfig, _helm, env) {
  const help = spawnSync('node', [cli, 'doctor', '--help'], { encoding: 'utf8' });
  const built = spawnSync('node', [cli, 'doctor', '-n', 'nowhere-ns'], { encoding: 'utf8', env });
  if (help.status !== 0 || /not built yet/.test(built.stderr)) {
    verdicts.push('SKIP  doctor timings: the doctor command is not built in this version');
    return;
  }
  const ns = `bench-doctor-${process.pid}`;
  timeOnce('node', [cli, 'install', '--yes', '-n', ns, '--create-namespace', '--quiet'], env);
  const kubectl = (/** @type {string[]} */ ...args) =>
    execFileSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' });
  const measure = (/** @type {string} */ label) => {
    /** @type {number[]} */
    const times = [];
    for (let i = 0; i < 3; i++) {
      const started = process.hrtime.bigint();
      spawnSync('node', [cli, 'doctor', '-n', ns, '--output', 'json'], { env });
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const ms = median(times);
    rows.push([`doctor: ${label}`, `${ms.toFixed(0)} ms`, '', '']);
    return ms;
  };
  const healthy = measure('healthy install');
  verdict(
    'doctor under 3 s on a healthy install',
    healthy < 3000,
    `${(healthy / 1000).toFixed(2)} s`,
  );
  verdict(
    'doctor under 1.0 s on a healthy install',
    healthy < 1000,
    `${(healthy / 1000).toFixed(2)} s`,
  );
  const starts = kubectlStarts(ns, env);
  rows.push([
    'doctor: kubectl starts per run',
    `${starts.forwards} port-forward`,
    `${starts.reads.length} other`,
    '',
  ]);
  verdict(
    'doctor starts no kubectl for reads (port-forward only)',
    starts.reads.length === 0,
    starts.reads.length === 0
      ? `${starts.forwards} port-forwards, nothing else (the first run with a new kubectl build also asks its version: ${starts.firstRun.join('; ') || 'none'})`
      : starts.reads.join('; '),
  );
  /** @type {string[]} */
  const growth = [];
  for (const pods of [30, 300, 1000]) {
    // Extra pods that carry the release's label, so doctor's list calls return them too.
    const filler = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'filler' },
      spec: {
        replicas: pods,
        selector: { matchLabels: { app: 'filler' } },
        template: {
          metadata: { labels: { app: 'filler', 'app.kubernetes.io/instance': 'prefect-server' } },
          spec: { containers: [{ name: 'filler', image: 'example.invalid/filler:1' }] },
        },
      },
    };
    execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'apply', '-n', ns, '-f', '-'], {
      input: JSON.stringify(filler),
    });
    kubectl('rollout', 'status', 'deployment/filler', '-n', ns, '--timeout=600s');
    const ms = measure(`${pods} extra pods in the namespace`);
    growth.push(`${pods}: ${(ms / 1000).toFixed(2)} s`);
    if (pods === 300)
      verdict('doctor under 5 s with 300 pods', ms < 5000, `${(ms / 1000).toFixed(2)} s`);
  }
  verdicts.push(`INFO  doctor growth with pod count: ${growth.join(', ')}`);
  spawnSync('kubectl', ['--kubeconfig', kubeconfig, 'delete', 'namespace', ns, '--wait=false'], {
    stdio: 'ignore',
  });
}

/**
 * Every kubectl doctor starts, counted by a wrapper put first on PATH (it logs its arguments and
 * runs the real kubectl). Two runs: the first with this kubectl build asks its client version
 * once (tools/version-cache.ts keeps it); the second is what every later run does.
 * @param {string} ns
 * @param {NodeJS.ProcessEnv} env
 */
function kubectlStarts(ns, env) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-kubectl-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const real = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8', env }).trim();
  const log = join(dir, 'starts');
  writeFileSync(
    join(bin, 'kubectl'),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${real}' "$@"\n`,
  );
  chmodSync(join(bin, 'kubectl'), 0o755);
  const { PREFECT_SERVER_KUBECTL: _pinned, ...rest } = env;
  const wrapped = {
    ...rest,
    PATH: `${bin}:${env.PATH ?? ''}`,
    XDG_CACHE_HOME: join(dir, 'cache'),
  };
  const run = () => {
    writeFileSync(log, '');
    spawnSync('node', [cli, 'doctor', '-n', ns, '--output', 'json'], { env: wrapped });
    return readFileSync(log, 'utf8').split('\n').filter(Boolean);
  };
  const firstRun = run().filter((args) => !/\bport-forward\b/.test(args));
  const later = run();
  rmSync(dir, { recursive: true, force: true });
  const forwards = later.filter((args) => /\bport-forward\b/.test(args)).length;
  return { forwards, reads: later.filter((args) => !/\bport-forward\b/.test(args)), firstRun };
}

/**
 * Peak resident memory (VmHWM) of a running process, polled until it exits, and its time.
 * @param {string} command
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @param {string} [stdinFile] given to the process as its stdin
 * @returns {Promise<{ ms: number, peakKiB: number }>}
 */
function timeWithPeak(command, args, env, stdinFile = undefined) {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const input = stdinFile === undefined ? 'ignore' : openSync(stdinFile, 'r');
    const child = spawn(command, args, { env, stdio: [input, 'ignore', 'pipe'] });
    if (typeof input === 'number') closeSync(input);
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    let peakKiB = 0;
    const poll = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        if (hwm > peakKiB) peakKiB = hwm;
      } catch {}
    }, 20);
    child.on('exit', (code) => {
      clearInterval(poll);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')} failed: ${stderr}`));
      else resolvePromise({ ms, peakKiB });
    });
  });
}

/**
 * backup and restore of a ~1 GB database against raw pg_dump / pg_restore on the same server,
 * and the CLI's peak RSS while it streams at 100 MB and at 1 GB (flat: the dump is never held).
 * The release's database pod is routed by a kwok Exec object to a local PostgreSQL (as the e2e
 * tests do), so `kubectl exec` runs the real pg_dump/pg_restore against it.
 * @param {string} kubeconfig
 * @param {NodeJS.ProcessEnv} env
 */
async function backupRestore(kubeconfig, env) {
  const { install, start, stop, postgresBinDir } = await import('./test-postgres.mjs');
  install();
  const server = await start();
  const bin = /** @type {string} */ (postgresBinDir());
  const ns = `bench-backup-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'bench-backup-'));
  const pg = ['-h', server.socketDir, '-p', String(server.port)];
  const psql = (/** @type {string} */ sql, db = 'postgres') =>
    execFileSync(
      join(bin, 'psql'),
      [...pg, '-U', 'postgres', '-d', db, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1'],
      {
        input: sql,
        encoding: 'utf8',
      },
    );
  const kubectl = (/** @type {string[]} */ args, input = '') =>
    execFileSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { input, encoding: 'utf8' });
  try {
    timeOnce('node', [cli, 'install', '--yes', '-n', ns, '--create-namespace', '--quiet'], env);
    // The bundled database's user and database are the chart's defaults, prefect/prefect.
    psql('CREATE ROLE prefect LOGIN SUPERUSER; CREATE DATABASE prefect OWNER prefect;');
    const exec = {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Exec',
      metadata: { name: 'prefect-server-postgresql-0', namespace: ns },
      spec: {
        execs: [
          {
            local: {
              envs: [
                { name: 'PGHOST', value: server.socketDir },
                { name: 'PGPORT', value: String(server.port) },
              ],
            },
          },
        ],
      },
    };
    kubectl(['apply', '-f', '-'], JSON.stringify(exec));
    // kwok picks the route up from a watch
    for (let i = 0; ; i++) {
      const tried = spawnSync('kubectl', [
        '--kubeconfig',
        kubeconfig,
        'exec',
        '-n',
        ns,
        'prefect-server-postgresql-0',
        '--',
        'true',
      ]);
      if (tried.status === 0) break;
      if (i > 150) throw new Error(`kwok does not route exec: ${tried.stderr}`);
      execFileSync('sleep', ['0.2']);
    }
    // Rows like Prefect's log table: a timestamp, a level and a message, half of it repetitive.
    psql(
      'CREATE TABLE log (id bigserial PRIMARY KEY, created timestamptz NOT NULL DEFAULT now(), level text NOT NULL, message text NOT NULL);',
      'prefect',
    );
    const fillTo = (/** @type {number} */ bytes) => {
      for (;;) {
        const size = Number(psql("SELECT pg_database_size('prefect')", 'prefect').trim());
        if (size >= bytes) return size;
        psql(
          "INSERT INTO log (level, message) SELECT 'INFO', 'Task run ' || g || ' finished: ' || md5(random()::text) || md5(random()::text) || repeat(' state Success', 8) FROM generate_series(1, 200000) g;",
          'prefect',
        );
      }
    };
    /** @type {string[]} */
    const peaks = [];
    let n = 0;
    for (const target of [100 * 1024 ** 2, 1024 ** 3]) {
      const size = fillTo(target);
      const label = `${(size / 1024 ** 2).toFixed(0)} MB`;
      const ours = join(dir, `ours-${n}.dump`);
      const raw = join(dir, `raw-${n++}.dump`);
      const backup = await timeWithPeak(
        'node',
        [cli, 'backup', '-n', ns, '--release', 'prefect-server', '--output', ours, '--quiet'],
        env,
      );
      const rawDump = await timeWithPeak(
        join(bin, 'pg_dump'),
        [...pg, '-U', 'prefect', '-d', 'prefect', '--format=custom', '-f', raw],
        env,
      );
      // The same pg_dump through `kubectl exec` (its stdout dropped): the transport alone.
      const execDump = await timeWithPeak(
        'kubectl',
        [
          '--kubeconfig',
          kubeconfig,
          'exec',
          '-n',
          ns,
          'prefect-server-postgresql-0',
          '--',
          'pg_dump',
          '-U',
          'prefect',
          '-d',
          'prefect',
          '--format=custom',
        ],
        env,
      );
      timedPairRow(`backup ${label} vs exec pg_dump`, backup.ms, execDump.ms);
      timedPairRow(`backup ${label} vs raw pg_dump`, backup.ms, rawDump.ms);
      peaks.push(`${label}: ${(backup.peakKiB / 1024).toFixed(0)} MiB`);
      const restore = await timeWithPeak(
        'node',
        [
          cli,
          'restore',
          ours,
          '-n',
          ns,
          '--release',
          'prefect-server',
          '--force',
          '--yes',
          '--quiet',
        ],
        env,
      );
      psql(
        'SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public;',
        'prefect',
      );
      const rawRestore = await timeWithPeak(
        join(bin, 'pg_restore'),
        [
          ...pg,
          '-U',
          'prefect',
          '-d',
          'prefect',
          '--no-owner',
          '--no-acl',
          '--single-transaction',
          '--exit-on-error',
          raw,
        ],
        env,
      );
      // The same pg_restore through `kubectl exec -i` as the CLI streams it: what the transport
      // (API server, kwok) costs by itself, apart from the CLI's checks and steps.
      psql(
        'SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public;',
        'prefect',
      );
      const execRestore = await timeWithPeak(
        'kubectl',
        [
          '--kubeconfig',
          kubeconfig,
          'exec',
          '-i',
          '-n',
          ns,
          'prefect-server-postgresql-0',
          '--',
          'pg_restore',
          '-U',
          'prefect',
          '-d',
          'prefect',
          '--no-owner',
          '--no-acl',
          '--single-transaction',
          '--exit-on-error',
        ],
        env,
        raw,
      );
      timedPairRow(`restore ${label} vs exec -i pg_restore`, restore.ms, execRestore.ms);
      timedPairRow(`restore ${label} vs raw pg_restore`, restore.ms, rawRestore.ms);
      peaks.push(`restore ${label}: ${(restore.peakKiB / 1024).toFixed(0)} MiB`);
      if (target === 1024 ** 3) {
        verdict(
          'backup of ~1 GB within 1.2x raw pg_dump',
          backup.ms / rawDump.ms <= 1.2,
          `${(backup.ms / rawDump.ms).toFixed(2)}x`,
        );
        verdict(
          'restore of ~1 GB within 1.2x raw pg_restore',
          restore.ms / rawRestore.ms <= 1.2,
          `${(restore.ms / rawRestore.ms).toFixed(2)}x`,
        );
      }
      rmSync(ours, { force: true });
      rmSync(raw, { force: true });
    }
    const backupPeaks = peaks
      .filter((p) => !p.startsWith('restore'))
      .map((p) => Number(/(\d+) MiB/.exec(p)?.[1]));
    const [small, large] = backupPeaks;
    verdict(
      "backup's peak RSS flat from 100 MB to 1 GB (within 1.25x)",
      small !== undefined && large !== undefined && large <= small * 1.25,
      peaks.join(', '),
    );
  } finally {
    spawnSync('kubectl', ['--kubeconfig', kubeconfig, 'delete', 'namespace', ns, '--wait=false'], {
      stdio: 'ignore',
    });
    stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'ignore' });
  const tools = toolPaths();
  if (!tools.helm4.exists) throw new Error('run `npm run test-tools` first');
  if (wanted('startup')) startup();
  const pack = wanted('footprint') || wanted('prompt') ? footprint() : undefined;
  let cluster;
  let kubeconfig = process.env.E2E_KUBECONFIG;
  if (!kubeconfig) {
    cluster = await up({ log: () => {} });
    kubeconfig = cluster.kubeconfig;
  }
  try {
    const env = {
      ...process.env,
      KUBECONFIG: kubeconfig,
      PREFECT_SERVER_HELM: tools.helm4.helm,
      CI: '1',
    };
    if (wanted('install')) installOverhead(kubeconfig, tools.helm4.helm);
    if (pack && wanted('prompt')) {
      const { CI: _ci, ...interactive } = env;
      const firstPrompt = await timeToFirstPrompt(pack, interactive);
      rows.push(['npx <tarball> to the first prompt', `${firstPrompt} ms`, '', '']);
    }
    if (wanted('doctor')) doctor(kubeconfig, tools.helm4.helm, env);
    // It fills a 1 GB database (minutes on 2 cores): BENCH_ONLY=backup runs it alone.
    if (wanted('backup')) await backupRestore(kubeconfig, env);
  } finally {
    if (cluster) await down(cluster.dir);
    if (pack) rmSync(pack.dir, { recursive: true, force: true });
  }
  const widths = [44, 12, 14, 6];
  const line = (/** @type {string[]} */ cells) =>
    cells.map((c, i) => String(c).padEnd(/** @type {number} */ (widths[i]))).join(' ');
  process.stdout.write(
    `${line(['measure', 'ours', 'baseline', 'ratio'])}\n${line(widths.map((w) => '-'.repeat(w)))}\n`,
  );
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
  process.stdout.write(`\n${verdicts.join('\n')}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench: ${/** @type {Error} */ (error).message}\n`);
  process.exitCode = 1;
});
