// `kubectl exec` into a test pod runs a real local command: kwok (our fake kubelet) serves exec
// for pods that an Exec object (kwok.x-k8s.io/v1alpha1, same name and namespace as the pod) routes
// to the local machine. The cluster must run kwok with `--enable-crds=...,Exec,ClusterExec` and the
// Exec CRDs applied (scripts/cluster.mjs does both; E2E_KUBECONFIG clusters started before that
// cannot route exec: start one with `node scripts/cluster.mjs up`).
//
// How to use (the database tests of backup, restore and prune do this):
//
//   const pg = await startPostgres();                       // support/postgres.ts
//   const unroute = await routeExec(ns, 'prefect-server-postgresql-0', [
//     { containers: ['postgresql'], env: bundledDatabaseEnv(pg) },
//   ]);
//   // now `kubectl exec -i -n NS prefect-server-postgresql-0 -c postgresql -- psql -U prefect -d prefect`
//   // runs this machine's psql against the test server, over its socket (trusted, no password)
//   await unroute();
//
//   // a pod whose env names values and Secrets (the external database's client pod):
//   await routeExecLikeKubelet(ns, 'the-client-pod');       // its container env, resolved
//
//   // pods that do not exist yet and whose names are not known (the client pod the CLI starts
//   // for an external database, `{release}-db-client-xxxxx`, container `client`): route every
//   // pod of the namespace, by container, with the env the test knows that pod will get
//   const unrouteAll = await routeNamespaceExec(ns, [
//     { containers: ['client'], env: { PGHOST: '127.0.0.1', PGPORT: String(pg.port),
//       PGUSER: 'prefect', PGDATABASE: 'prefect', PGPASSWORD: password } },
//   ]);
//
// A pod's own Exec wins over a namespace route (kwok looks for the pod's first).
// What kwok v0.7.0 does with the command kubectl sends (pkg/kwok/server/debugging_exec.go,
// pkg/utils/exec), checked on this machine:
// - argv as sent, no shell: cmd[0] is looked up on the PATH of the *kwok process* (Go's
//   exec.Command resolves it when the command is made), so a PATH in the route's env changes the
//   PATH the command sees, never which program runs. `psql`, `pg_dump`, `pg_restore` resolve to
//   Debian's /usr/bin/<tool> (postgresql-common's pg_wrapper), which runs the newest installed
//   major (/usr/lib/postgresql/15/bin here) since the test servers are not registered clusters.
// - environment: the kwok process's own environment (whatever started the cluster) plus the
//   route's `envs`, the route winning; the pod's spec env is NOT applied (no container exists), so
//   a test that needs it mirrors it with routeExecLikeKubelet. The env travels in the Exec object
//   (kubectl apply reads it from stdin), never in an argv.
// - cwd: `workDir`, else kwok's own; user: kwok's (root here) unless `securityContext` says.
// - stdin: piped only for `kubectl exec -i`, else /dev/null. kwok v0.7.0 never closed the pipe at
//   the end of the client's stdin (a kubelet does), so `psql < file` hung; scripts/test-tools.mjs
//   builds kwok with that one line fixed (its `patch`), and exec-routes.test.ts proves EOF arrives.
// - stdout/stderr: streamed as written (no buffering of the whole output).
// - exit status: a non-zero exit is NOT passed on as kubectl's exit code (a kubelet's "command
//   terminated with exit code N" makes kubectl exit N): kwok answers an internal error, kubectl
//   prints `error: Internal error occurred: ... cmd wait: <argv>: exit status N` on stderr and
//   exits 1. Code under test must treat any non-zero exit as the command's failure.
// - a pod with no route, or a container no target names: kubectl exits 1 with "no exec found".
import { kubectl, kubectlJson } from './cluster.js';
import type { TestPostgres } from './postgres.js';

export interface ExecTarget {
  /** The containers this target serves; none: every container no other target names. */
  containers?: string[];
  /** Environment of the local command, on top of kwok's own. */
  env?: Record<string, string>;
  /** Working directory of the local command (default: kwok's). */
  workDir?: string;
}

/**
 * Routes `kubectl exec` into `pod` (which need not exist yet) to local commands, and waits until
 * kwok serves it when the pod is running. Returns the function that removes the route.
 */
export async function routeExec(
  namespace: string,
  pod: string,
  targets: ExecTarget[],
): Promise<() => Promise<void>> {
  const exec = {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Exec',
    metadata: { name: pod, namespace },
    spec: { execs: execsOf(targets) },
  };
  await kubectl(['apply', '-f', '-'], { input: JSON.stringify(exec) });
  await waitUntilServed(namespace, pod, targets);
  return async () => {
    await kubectl(['delete', 'exec.kwok.x-k8s.io', pod, '-n', namespace, '--ignore-not-found'], {
      reject: false,
    });
  };
}

/**
 * Routes `kubectl exec` into every pod of `namespace`, present or future, that has no Exec of its
 * own (a kwok ClusterExec selecting the namespace). kwok reads it from a watch within moments:
 * make it before the step that starts the pods. Returns the function that removes it.
 */
export async function routeNamespaceExec(
  namespace: string,
  targets: ExecTarget[],
): Promise<() => Promise<void>> {
  const name = `e2e-${namespace}`.slice(0, 253);
  const clusterExec = {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'ClusterExec',
    metadata: { name },
    spec: { selector: { matchNamespaces: [namespace] }, execs: execsOf(targets) },
  };
  await kubectl(['apply', '-f', '-'], { input: JSON.stringify(clusterExec) });
  return async () => {
    await kubectl(['delete', 'clusterexec.kwok.x-k8s.io', name, '--ignore-not-found'], {
      reject: false,
    });
  };
}

function execsOf(targets: ExecTarget[]) {
  return targets.map((target) => ({
    ...(target.containers ? { containers: target.containers } : {}),
    local: {
      ...(target.workDir ? { workDir: target.workDir } : {}),
      envs: Object.entries(target.env ?? {}).map(([name, value]) => ({ name, value })),
    },
  }));
}

/** kwok picks Exec objects up from a watch: exec `true` in each routed container until it works. */
async function waitUntilServed(namespace: string, pod: string, targets: ExecTarget[]) {
  const phase = await kubectl(
    ['get', 'pod', pod, '-n', namespace, '-o', 'jsonpath={.status.phase}'],
    { reject: false },
  );
  if (String(phase.stdout) !== 'Running') return; // nothing to exec into yet: the caller waits
  const containers = targets.flatMap((t) => t.containers ?? [undefined]);
  const deadline = Date.now() + 30_000;
  for (const container of containers) {
    for (;;) {
      const args = ['exec', pod, '-n', namespace, ...(container ? ['-c', container] : [])];
      const tried = await kubectl([...args, '--', 'true'], { reject: false });
      if (tried.exitCode === 0) break;
      if (Date.now() > deadline) {
        throw new Error(`kwok does not serve exec into ${namespace}/${pod}: ${tried.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Where a bundled database pod's client tools connect: the test server's Unix socket, where every
 * role is trusted, as the official postgres image trusts local socket connections. PGUSER and
 * PGDATABASE are left to the command (the CLI names them in its argv).
 */
export function bundledDatabaseEnv(server: TestPostgres): Record<string, string> {
  return { PGHOST: server.socketDir, PGPORT: String(server.port) };
}

interface PodEnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

/**
 * Routes exec into each container of a running pod with the environment a kubelet would give it:
 * its `env` values, `secretKeyRef`s read from their Secrets (the rest of valueFrom is not
 * supported and fails), plus `extra` on top. Waits for the pod to run first.
 */
export async function routeExecLikeKubelet(
  namespace: string,
  pod: string,
  extra: Record<string, string> = {},
): Promise<() => Promise<void>> {
  const deadline = Date.now() + 60_000;
  // biome-ignore lint/suspicious/noExplicitAny: the Pod's JSON, read for its containers' env
  let found: any;
  for (;;) {
    found = await kubectlJson(['get', 'pod', pod, '-n', namespace]).catch(() => undefined);
    if (found?.status?.phase === 'Running') break;
    if (Date.now() > deadline) throw new Error(`pod ${namespace}/${pod} is not running`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const targets: ExecTarget[] = [];
  for (const container of found.spec.containers as { name: string; env?: PodEnvVar[] }[]) {
    const env: Record<string, string> = {};
    for (const variable of container.env ?? []) {
      env[variable.name] = await resolveEnv(namespace, variable);
    }
    targets.push({ containers: [container.name], env: { ...env, ...extra } });
  }
  return routeExec(namespace, pod, targets);
}

async function resolveEnv(namespace: string, variable: PodEnvVar): Promise<string> {
  if (variable.value !== undefined || !variable.valueFrom) return variable.value ?? '';
  const ref = variable.valueFrom.secretKeyRef;
  if (!ref) throw new Error(`env ${variable.name}: only value and secretKeyRef are mirrored`);
  const secret = await kubectlJson(['get', 'secret', ref.name, '-n', namespace]);
  const data = secret.data?.[ref.key];
  if (data === undefined)
    throw new Error(`env ${variable.name}: Secret ${ref.name} has no ${ref.key}`);
  return Buffer.from(data, 'base64').toString('utf8');
}
