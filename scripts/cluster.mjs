#!/usr/bin/env node
// A real Kubernetes control plane on 127.0.0.1 for the end-to-end tests, with no container runtime:
// etcd, kube-apiserver, kube-controller-manager and kube-scheduler run as plain processes (the way
// kwokctl's "binary" runtime does), and kwok plays the kubelet of a fake node, so pods get
// scheduled and become Ready, Deployments become Available, Jobs complete, and
// `kubectl port-forward` reaches a local process that a test chooses, and `kubectl exec` runs a
// local command that a test chooses (kwok's Exec/ClusterExec; test/e2e/support/exec-routes.ts).
//
//   npm run cluster -- up        start one; its last line is the admin kubeconfig's path
//   npm run cluster -- status    is the last one started alive?
//   npm run cluster -- down      stop it: no process or port is left behind
//
// Binaries come from scripts/test-tools.mjs (built from Go modules, cached outside the repo).

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installAll, toolPaths, toolsCacheDir } from './test-tools.mjs';

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));

/** Labels and annotations that test pods carry to be put in a failure state on purpose. */
export const podStateLabel = 'test.prefect-server-install/state';
/** Name of the one fake node; kwok manages nodes that carry this annotation. */
export const fakeNodeName = 'kwok-node-0';

/**
 * How one component was started, so that `startAgain` can start it the same way.
 * @typedef {{ logName: string, binary: string, args: string[] }} ComponentCommand
 */
/**
 * A cluster's record, kept in DIR/cluster.json.
 * @typedef {object} ClusterState
 * @property {string} dir
 * @property {{ etcdClient: number, etcdPeer: number, apiserver: number, controllerManager: number, scheduler: number, kwok: number }} ports
 * @property {Record<string, number>} pids
 * @property {string} kubeconfig
 * @property {Record<string, ComponentCommand>} [commands]
 * @property {number} [startedInSeconds]
 */

/** The record of the last cluster `up` started, so `down` and `status` work with no argument. */
function currentPointer() {
  return join(toolsCacheDir(), '..', 'current-cluster');
}

/**
 * A port nobody listens on now: bind port 0 on loopback and read what the kernel chose.
 * @returns {Promise<number>}
 */
export function freePort() {
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

/**
 * @param {string[]} args
 * @param {string} cwd
 */
function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * One CA signs everything: the API server, the admin client, kwok's kubelet endpoint.
 * @param {string} dir
 */
function makeCertificates(dir) {
  const days = '3650';
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      days,
      '-subj',
      '/CN=prefect-test-ca',
    ],
    dir,
  );
  /** @type {(name: string, subject: string, sans?: string) => void} */
  const sign = (name, subject, sans) => {
    openssl(
      [
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        subject,
      ],
      dir,
    );
    const ext = sans
      ? `subjectAltName=${sans}\nextendedKeyUsage=serverAuth,clientAuth\n`
      : 'extendedKeyUsage=clientAuth\n';
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        days,
        '-extfile',
        `${name}.ext`,
      ],
      dir,
    );
  };
  sign(
    'apiserver',
    '/CN=kube-apiserver',
    'IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
  );
  // system:masters is the admin group the default RBAC policy binds to cluster-admin.
  sign('admin', '/O=system:masters/CN=kubernetes-admin');
  sign('kwok', '/CN=kwok-node-0', `IP:127.0.0.1,DNS:${fakeNodeName}`);
  openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
}

/**
 * @param {string} dir
 * @param {number} apiPort
 */
function writeKubeconfig(dir, apiPort) {
  /** @param {string} file */
  const b64 = (file) => readFileSync(join(dir, file)).toString('base64');
  const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: prefect-test
  cluster:
    server: https://127.0.0.1:${apiPort}
    certificate-authority-data: ${b64('ca.crt')}
users:
- name: admin
  user:
    client-certificate-data: ${b64('admin.crt')}
    client-key-data: ${b64('admin.key')}
contexts:
- name: prefect-test
  context: {cluster: prefect-test, user: admin}
current-context: prefect-test
`;
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, kubeconfig, { mode: 0o600 });
  return path;
}

/**
 * Starts a process in its own process group, logging to DIR/logs/NAME.log.
 * @param {string} dir
 * @param {string} name
 * @param {string} binary
 * @param {string[]} args
 * @returns {number}
 */
function startProcess(dir, name, binary, args) {
  const log = openSync(join(dir, 'logs', `${name}.log`), 'a');
  const child = spawn(binary, args, { cwd: dir, detached: true, stdio: ['ignore', log, log] });
  child.unref();
  // spawn throws for a binary it cannot start only asynchronously; until then pid is set
  return /** @type {number} */ (child.pid);
}

/**
 * Starts one process of the cluster and records how, so a test can stop and restart it.
 * @param {ClusterState} state
 * @param {string} key
 * @param {string} logName
 * @param {string} binary
 * @param {string[]} args
 */
function startComponent(state, key, logName, binary, args) {
  state.pids[key] = startProcess(state.dir, logName, binary, args);
  state.commands ??= {};
  state.commands[key] = { logName, binary, args };
}

/** @param {ClusterState} state */
function saveState(state) {
  writeFileSync(join(state.dir, 'cluster.json'), `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * Stops one process (e.g. the API server, for fault tests); `startAgain` brings it back.
 * @param {string} dir
 * @param {string} key
 */
export async function stopComponent(dir, key) {
  const state = /** @type {ClusterState} */ (readCluster(dir));
  const pid = /** @type {number} */ (state.pids[key]);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {}
  await waitUntilGone([pid], 10_000);
}

/**
 * @param {string} dir
 * @param {string} key
 */
export async function startAgain(dir, key) {
  const state = /** @type {ClusterState} */ (readCluster(dir));
  // a cluster that `up` started has a command for each component (startComponent records it)
  const commands = /** @type {Record<string, ComponentCommand>} */ (state.commands);
  const { logName, binary, args } = /** @type {ComponentCommand} */ (commands[key]);
  startComponent(state, key, logName, binary, args);
  saveState(state);
  if (key === 'apiserver') {
    await waitFor(
      'kube-apiserver /readyz',
      () => getReady(state.ports.apiserver, join(dir, 'ca.crt'), '/readyz'),
      {
        timeoutMs: 90_000,
        dir,
      },
    );
  }
}

/**
 * @param {number} port
 * @param {string} caFile
 * @param {string} path
 * @returns {Promise<boolean>}
 */
function getReady(port, caFile, path) {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        ca: readFileSync(caFile),
        timeout: 2000,
        rejectUnauthorized: true,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * @param {string} what
 * @param {() => boolean | Promise<boolean>} check
 * @param {{ timeoutMs?: number, dir?: string }} [options]
 */
async function waitFor(what, check, { timeoutMs = 60_000, dir } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${dir ? `; logs in ${join(dir, 'logs')}` : ''}`);
}

/**
 * @param {string} kubeconfig
 * @param {string[]} args
 * @param {string} [input]
 */
function kubectl(kubeconfig, args, input) {
  return execFileSync('kubectl', ['--kubeconfig', kubeconfig, ...args], {
    encoding: 'utf8',
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
}

/**
 * A process that exited but was not reaped yet (a zombie) counts as gone: it holds no port.
 * @param {number} pid
 */
export function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): signal 0 is all we can know
  }
}

/**
 * Starts a control plane and returns its description ({ dir, kubeconfig, pids, ports }).
 * Everything it makes lives in one temp directory, removed by `down`.
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {Promise<ClusterState>}
 */
export async function up({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  installAll();
  const tools = toolPaths();
  const started = Date.now();
  const dir = join(tmpdir(), `prefect-test-cluster-${process.pid}-${Date.now()}`);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  mkdirSync(join(dir, 'etcd'), { recursive: true });
  const ports = {
    etcdClient: await freePort(),
    etcdPeer: await freePort(),
    apiserver: await freePort(),
    controllerManager: await freePort(),
    scheduler: await freePort(),
    kwok: await freePort(),
  };
  /** @type {ClusterState} */
  const state = { dir, ports, pids: {}, kubeconfig: join(dir, 'kubeconfig') };
  const save = () =>
    writeFileSync(join(dir, 'cluster.json'), `${JSON.stringify(state, null, 2)}\n`);
  save();
  mkdirSync(dirname(currentPointer()), { recursive: true });
  writeFileSync(currentPointer(), dir);

  try {
    makeCertificates(dir);
    const kubeconfig = writeKubeconfig(dir, ports.apiserver);
    const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
    const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;

    startComponent(state, 'etcd', 'etcd', tools.etcd.etcd, [
      '--name=prefect-test',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=prefect-test=${peerUrl}`,
      // a test cluster trades durability for speed: its data dies with the temp directory anyway
      '--unsafe-no-fsync=true',
      '--quota-backend-bytes=2147483648',
    ]);
    save();

    startComponent(state, 'apiserver', 'kube-apiserver', tools.kube['kube-apiserver'], [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${ports.apiserver}`,
      '--tls-cert-file=apiserver.crt',
      '--tls-private-key-file=apiserver.key',
      '--client-ca-file=ca.crt',
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-account-key-file=sa.pub',
      '--service-account-signing-key-file=sa.key',
      '--service-cluster-ip-range=10.96.0.0/16',
      // the API server reaches kwok's kubelet endpoint (port-forward, logs) with the admin client cert
      '--kubelet-client-certificate=admin.crt',
      '--kubelet-client-key=admin.key',
      '--kubelet-preferred-address-types=InternalIP',
      '--allow-privileged=true',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
    ]);
    save();
    await waitFor(
      'kube-apiserver /readyz',
      () => getReady(ports.apiserver, join(dir, 'ca.crt'), '/readyz'),
      {
        timeoutMs: 90_000,
        dir,
      },
    );

    startComponent(
      state,
      'controllerManager',
      'kube-controller-manager',
      tools.kube['kube-controller-manager'],
      [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${ports.controllerManager}`,
        '--root-ca-file=ca.crt',
        '--service-account-private-key-file=sa.key',
        '--cluster-signing-cert-file=ca.crt',
        '--cluster-signing-key-file=ca.key',
        '--use-service-account-credentials=true',
        // kwok's heartbeats can lag on a loaded 2-core machine; a node judged NotReady gets all
        // its pods marked unready for good (kwok only plays a pod's start once), so be patient.
        '--node-monitor-grace-period=1h',
        '--leader-elect=false',
        '--profiling=false',
      ],
    );
    startComponent(state, 'scheduler', 'kube-scheduler', tools.kube['kube-scheduler'], [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${ports.scheduler}`,
      '--leader-elect=false',
      '--profiling=false',
    ]);
    save();

    // kwok's CRDs are applied from the kwok module's own copy (test-tools puts them in its cache).
    kubectl(kubeconfig, ['apply', '--server-side', '-f', join(tools.kwok.dir, 'crds')]);
    startComponent(state, 'kwok', 'kwok', tools.kwok.kwok, [
      `--kubeconfig=${kubeconfig}`,
      `--config=${join(repoRoot, 'test', 'cluster', 'kwok-stages.yaml')}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-ip=127.0.0.1',
      `--node-port=${ports.kwok}`,
      `--server-address=127.0.0.1:${ports.kwok}`,
      `--tls-cert-file=${join(dir, 'kwok.crt')}`,
      `--tls-private-key-file=${join(dir, 'kwok.key')}`,
      '--enable-crds=PortForward,ClusterPortForward,Logs,ClusterLogs,Exec,ClusterExec',
    ]);
    save();

    kubectl(kubeconfig, ['apply', '-f', join(repoRoot, 'test', 'cluster', 'fixtures.yaml')]);
    await waitFor(
      'the fake node to be Ready',
      () => {
        try {
          const out = kubectl(kubeconfig, [
            'get',
            'node',
            fakeNodeName,
            '-o',
            'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
          ]);
          return out.trim() === 'True';
        } catch {
          return false;
        }
      },
      { dir },
    );
    // Pods can only be created once the ServiceAccount controller has made `default` accounts.
    await waitFor(
      'the default ServiceAccount',
      () => {
        try {
          kubectl(kubeconfig, ['get', 'serviceaccount', 'default', '-n', 'default']);
          return true;
        } catch {
          return false;
        }
      },
      { dir },
    );
    state.startedInSeconds = Math.round((Date.now() - started) / 100) / 10;
    save();
    log(
      `cluster: up in ${state.startedInSeconds}s, API https://127.0.0.1:${ports.apiserver}, dir ${dir}`,
    );
    return state;
  } catch (error) {
    await down(dir).catch(() => {});
    throw error;
  }
}

/**
 * Reads a cluster's record: from its directory, or the last one `up` started.
 * @param {string} [dir]
 * @returns {ClusterState | undefined}
 */
export function readCluster(dir) {
  const target =
    dir ??
    (existsSync(currentPointer()) ? readFileSync(currentPointer(), 'utf8').trim() : undefined);
  if (!target || !existsSync(join(target, 'cluster.json'))) return undefined;
  return JSON.parse(readFileSync(join(target, 'cluster.json'), 'utf8'));
}

/**
 * @param {number[]} pids
 * @param {number} timeoutMs
 */
async function waitUntilGone(pids, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

/** Stops every process of the cluster (TERM, then KILL after 2 s: the API server alone would take over 15 s to drain) and removes its directory. */
/** @param {string} [dir] */
export async function down(dir) {
  const state = readCluster(dir);
  if (!state) return false;
  const pids = Object.values(state.pids).reverse();
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {}
  }
  // A test cluster has nothing to drain: give each process two seconds, then kill it, and wait
  // until it is really gone so its ports are free when this returns.
  await waitUntilGone(pids, 2_000);
  for (const pid of pids.filter(isAlive)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
  await waitUntilGone(pids, 10_000);
  rmSync(state.dir, { recursive: true, force: true });
  if (existsSync(currentPointer()) && readFileSync(currentPointer(), 'utf8').trim() === state.dir) {
    rmSync(currentPointer(), { force: true });
  }
  return true;
}

/** @param {string} [dir] */
export function status(dir) {
  const state = readCluster(dir);
  if (!state) return undefined;
  return {
    ...state,
    alive: Object.fromEntries(Object.entries(state.pids).map(([k, pid]) => [k, isAlive(pid)])),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [verb, dir] = process.argv.slice(2);
  try {
    if (verb === 'up') {
      const state = await up();
      process.stdout.write(`export KUBECONFIG=${state.kubeconfig}\n${state.kubeconfig}\n`);
    } else if (verb === 'down') {
      const stopped = await down(dir);
      process.stderr.write(stopped ? 'cluster: stopped\n' : 'cluster: none running\n');
    } else if (verb === 'status') {
      const state = status(dir);
      if (!state) {
        process.stderr.write('cluster: none running\n');
        process.exitCode = 1;
      } else {
        process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
        if (!Object.values(state.alive).every(Boolean)) process.exitCode = 1;
      }
    } else {
      process.stderr.write('usage: cluster.mjs up | down [dir] | status [dir]\n');
      process.exitCode = 2;
    }
  } catch (error) {
    process.stderr.write(`cluster: ${/** @type {Error} */ (error).message}\n`);
    process.exitCode = 1;
  }
}
