// The one way a command runs a PostgreSQL client (pg_dump, pg_restore, psql) against a release's
// database, stdin and stdout streamed (Node streams, never buffered: a dump is gigabytes).
//
//   const session = await openDatabaseSession(release, kubectl, { signal });
//   try {
//     await session.run('pg_dump', ['--format=custom'], { stdout: file, signal });
//     await session.run('pg_restore', ['--no-owner'], { stdin: file, signal });
//     const [[version]] = await session.query('show server_version');
//   } finally {
//     await session.close();            // deletes the client pod, if one was started
//   }
//   // or: withDatabaseSession(release, kubectl, (session, signal) => ..., options), which opens it
//   // in its own Ctrl-C scope (ui/interrupt.ts) and closes it however the work ends;
//   // openSessionAt(release, kubectl, { target, kind }) reaches a database hasura does not use
//   // (yet), e.g. the new StatefulSet of a move; locateDatabase(api, release) is the lookup alone.
//
// close() is not optional for the external and Bitnami kinds: it deletes the client pod.
//
// `args` never name the connection or the password: the session adds `--username` and `--dbname`
// (the release's user and database; `io.database` picks another database of the same server,
// e.g. `postgres` to drop and create the release's) before them. A command that fails rejects
// with a DatabaseCommandError (its exit code and the end of its stderr); a run aborted by
// `signal` rejects with a UserError of exit code 130 once kubectl is stopped (exit 1 and "did not
// finish in time" when the signal is an AbortSignal.timeout).
//
// Where the database is comes from the hasura Deployment (release/database-location.ts), as
// doctor reads it. Three kinds, by what the release runs:
//
// - bundled (our chart's StatefulSet `{release}-postgresql`, pod `...-0`, container
//   `postgresql`, chart/templates/postgresql/statefulset.yaml): `kubectl exec -i` into that pod
//   runs the client as the database user over the pod's own Unix socket, with no password. That
//   works because the official image trusts local socket connections: its docker-entrypoint.sh
//   (docker-library/postgres, 15/bookworm) runs `initdb --username="$POSTGRES_USER"` without
//   --auth/--auth-local (initdb's default is trust for every line it writes) and then only appends
//   `host all all all <password_encryption>` for TCP; its own comment says a password is needed
//   locally only "when '--auth=md5' or '--auth-local=md5' is used in POSTGRES_INITDB_ARGS". A user
//   who set such POSTGRES_INITDB_ARGS (postgresql.env) gets psql's "no password supplied" here.
//   POSTGRES_USER is the chart's database user, so that user is the cluster's superuser.
// - external (postgresql.useSubChart=false): a short-lived Pod `{release}-db-client-XXXXX` in the
//   release's namespace runs the official postgres image (options.clientImage, else the release's
//   postgresql.image when it is the official one, else postgres:14, the chart's default) with
//   PGHOST/PGPORT/PGUSER/PGDATABASE from the hasura URL and PGPASSWORD from the Secret hasura reads
//   (a secretKeyRef: the password is in no argv, no output, no file of ours); `kubectl exec -i`
//   into it runs the client; close() deletes it. Its command is `sleep 86400`, so a pod whose
//   CLI died without close() ends by itself within a day.
// - bitnami (a release of the original chart, 2022.x and before: StatefulSet `{release}-postgresql`
//   from Bitnami's subchart, pod `...-0`, PGDATA=/bitnami/postgresql/data, uid 1001; FACTS.md):
//   Bitnami's image asks a password even over the local socket once one is set (it rewrites
//   pg_hba's trust to md5), and its container's variable names changed between subchart 9.x and
//   11.x, so exec into it would need the password on our side. Instead it is reached like an
//   external database: the client pod connects to the Service hasura uses, with the password from
//   the Secret hasura reads. The same works for a 9.x server (pg_dump reads servers back to 9.2).
//   Nothing is run inside the Bitnami pod itself.
//
// kubectl exec's exit status: a kubelet reports the command's own exit code ("command terminated
// with exit code N"); the test cluster's kwok reports any failure as exit 1. Both are failures
// here; the message is the command's last stderr line either way.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type Readable, Writable } from 'node:stream';
import { ExitCode, InputError, UserError } from '../errors.js';
import { type KubeApi, kubeApiFor, selectorQuery } from '../tools/kube-api.js';
import type { KubeList, NamedObject, Pod, Workload } from '../tools/kube-objects.js';
import type { Kubectl } from '../tools/kubectl.js';
import { InterruptedError, withInterruptScope } from '../ui/interrupt.js';
import { type DatabaseTarget, databaseTargetOf } from './database-location.js';
import { componentLabel, instanceLabel, instanceSelector } from './labels.js';

export type DatabaseProgram = 'pg_dump' | 'pg_restore' | 'psql';
export type DatabaseKind = 'bundled' | 'bitnami' | 'external';

export interface ReleaseDatabaseRef {
  name: string;
  namespace: string;
}

export interface DatabaseRunIo {
  /** Sent to the program's stdin (kubectl exec -i); its end is the program's end of input. */
  stdin?: Readable;
  /** Receives the program's stdout; without one, stdout is read and dropped. */
  stdout?: Writable;
  /** Receives the program's stderr as it comes (it is also kept, the end of it, for errors). */
  stderr?: Writable;
  /** Stops the program (kubectl is ended) and rejects the run. */
  signal?: AbortSignal;
  /** Another database of the same server (default: the release's). */
  database?: string;
}

export interface DatabaseSession {
  readonly kind: DatabaseKind;
  /** For messages: "the bundled database (pod R-postgresql-0)". */
  readonly description: string;
  /** The release's database user and database, as hasura uses them. */
  readonly user: string;
  readonly database: string;
  run(program: DatabaseProgram, args: readonly string[], io?: DatabaseRunIo): Promise<void>;
  /** psql with the same streams: the shape prune uses. */
  psql(args: readonly string[], io?: DatabaseRunIo): Promise<void>;
  /**
   * A small result (row counts, the version, sizes): rows of text fields, NULL as ''. Values
   * must not hold the control characters \x1e or \x1f (they separate records and fields).
   */
  query(sql: string, options?: { database?: string; signal?: AbortSignal }): Promise<string[][]>;
  /** Deletes what the session started (the client pod); safe to call twice. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Aborts the wait for the client pod (which is then deleted). */
  signal?: AbortSignal;
  /** The image of the client pod (external and Bitnami databases). */
  clientImage?: string;
  /** The release's effective values: their postgresql.image picks the client image. */
  values?: Record<string, unknown>;
  /** How long the client pod may take to run (default 3 minutes: a first image pull). */
  podTimeoutMs?: number;
  /** Progress for a spinner ("starting client pod ..."). */
  onStatus?: (text: string) => void;
}

/** A client program exited non-zero. */
export class DatabaseCommandError extends UserError {
  readonly program: DatabaseProgram;
  readonly stderr: string;
  /** The program's exit code as kubectl reported it (kwok, the test cluster's, says 1 for any). */
  readonly programExitCode: number;
  constructor(program: DatabaseProgram, where: string, exitCode: number, stderr: string) {
    super(`${program} failed in ${where}: ${reasonOf(stderr) ?? `exit code ${exitCode}`}`);
    this.name = 'DatabaseCommandError';
    this.program = program;
    this.stderr = stderr;
    this.programExitCode = exitCode;
  }
}

/**
 * The program's reason: its first error line (the server's `ERROR:`/`FATAL:` or the client's
 * `pg_dump: error: ...`), else its last line. psql follows an error with the statement and a
 * caret, and kubectl ends with a line about the exit code, which say nothing more.
 */
export function reasonOf(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    // a kubelet's trailer, and kwok's (the test cluster): "error: Internal error occurred: ... cmd wait: ..."
    .filter(
      (l) =>
        !/^command terminated with exit code \d+$/.test(l) &&
        !/cmd wait: .*exit status \d+$/.test(l),
    );
  return (
    lines.find(
      (l) => /^(ERROR|FATAL|PANIC):/.test(l) || /^(pg_dump|pg_restore|psql): error:/.test(l),
    ) ?? lines.at(-1)
  );
}

/** The official image's name:tag from the release's values, if it is the official one. */
export function clientImageOf(values: Record<string, unknown> | undefined): string {
  const image = (values?.postgresql as { image?: Record<string, unknown> } | undefined)?.image;
  const name = typeof image?.name === 'string' ? image.name : undefined;
  const tag = image?.tag === undefined ? undefined : String(image.tag);
  // Bitnami's subchart keys (repository/registry) name a Bitnami image: not a client of ours.
  if (name && tag && !name.includes('bitnami') && image?.repository === undefined)
    return `${name}:${tag}`;
  return 'postgres:14';
}

/** Which kind of database a release's target is, from the pod databaseTargetOf found. */
export function kindOf(target: DatabaseTarget, pods: readonly NamedObject[]): DatabaseKind {
  if (target.pod === undefined) return 'external';
  const pod = pods.find((p) => p.metadata.name === target.pod);
  return pod?.metadata.labels?.[componentLabel] === 'postgresql' ? 'bundled' : 'bitnami';
}

const clientContainer = 'client';

/** The client pod of an external (or Bitnami) database: the password only by secretKeyRef. */
export function clientPodManifest(
  ref: ReleaseDatabaseRef,
  target: DatabaseTarget,
  image: string,
  name: string,
): Record<string, unknown> {
  const env: Record<string, unknown>[] = [
    { name: 'PGHOST', value: target.host },
    { name: 'PGPORT', value: String(target.port) },
    { name: 'PGUSER', value: target.user },
    { name: 'PGDATABASE', value: target.database },
    // a restore or a dump of hours must not be cut by an idle timeout of the client
    { name: 'PGCONNECT_TIMEOUT', value: '30' },
  ];
  if (target.secret)
    env.push({ name: 'PGPASSWORD', valueFrom: { secretKeyRef: { ...target.secret } } });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ref.namespace,
      labels: {
        [instanceLabel]: ref.name,
        [componentLabel]: 'db-client',
        'app.kubernetes.io/managed-by': 'prefect-server-install',
      },
    },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      // the official image's postgres user; fits a namespace that enforces the restricted profile
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 999,
        runAsGroup: 999,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: clientContainer,
          image,
          command: ['sleep', '86400'],
          env,
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
          resources: { requests: { cpu: '50m', memory: '64Mi' } },
        },
      ],
    },
  };
}

/** A pod name: the release's name shortened so `-db-client-xxxxx` fits in 63 characters. */
export function clientPodName(release: string): string {
  const suffix = `-db-client-${randomBytes(3).toString('hex').slice(0, 5)}`;
  return `${release.slice(0, 63 - suffix.length).replace(/[-.]+$/, '')}${suffix}`;
}

/** Where the release's database is, read through the API (no kubectl started). */
export async function locateDatabase(
  api: KubeApi,
  ref: ReleaseDatabaseRef,
): Promise<{ target: DatabaseTarget; kind: DatabaseKind }> {
  const query = selectorQuery(instanceSelector(ref.name));
  const base = `/namespaces/${ref.namespace}`;
  const [deployments, services, pods] = await Promise.all([
    api.get<KubeList<Workload>>(`/apis/apps/v1${base}/deployments${query}`),
    api.get<KubeList<NamedObject>>(`/api/v1${base}/services${query}`),
    api.get<KubeList<Pod>>(`/api/v1${base}/pods${query}`),
  ]);
  const target = databaseTargetOf(
    deployments?.items ?? [],
    services?.items ?? [],
    pods?.items ?? [],
    ref.namespace,
  );
  if (!target) {
    throw new InputError(
      `Release ${ref.name} in namespace ${ref.namespace} has no database to reach: no hasura or graphql Deployment of it names one (HASURA_GRAPHQL_DATABASE_URL, PREFECT_SERVER__DATABASE__CONNECTION_URL).`,
      `Check the release: kubectl get deployments -n ${ref.namespace} -l ${instanceSelector(ref.name)}`,
    );
  }
  if (target.service !== undefined && target.pod === undefined) {
    throw new UserError(
      `The database of release ${ref.name} is its own Service ${target.service}, but no database pod of the release is there.`,
      {
        hint: `Check the database StatefulSet: kubectl get statefulsets,pods -n ${ref.namespace} -l ${instanceSelector(ref.name)}`,
      },
    );
  }
  return { target, kind: kindOf(target, pods?.items ?? []) };
}

interface ExecPlace {
  pod: string;
  container: string;
}

/** Opens a session against the release's database; close() it when done. */
export async function openDatabaseSession(
  ref: ReleaseDatabaseRef,
  kubectl: Kubectl,
  options: OpenOptions = {},
): Promise<DatabaseSession> {
  const located = await locateDatabase(kubeApiFor(kubectl), ref);
  return openSessionAt(ref, kubectl, located, options);
}

/**
 * A session against a database the caller names instead of the one hasura uses: e.g. during a
 * move to a new StatefulSet, the new bundled database (kind 'bundled', `target.pod` its pod, the
 * container `postgresql`) before hasura is switched to it. `target.secret` is read only for a
 * client pod (kinds 'external' and 'bitnami').
 */
export async function openSessionAt(
  ref: ReleaseDatabaseRef,
  kubectl: Kubectl,
  { target, kind }: { target: DatabaseTarget; kind: DatabaseKind },
  options: OpenOptions = {},
): Promise<DatabaseSession> {
  const api = kubeApiFor(kubectl);
  if (kind === 'bundled') {
    const pod = target.pod as string;
    return new ExecSession(
      kubectl,
      ref,
      target,
      kind,
      { pod, container: 'postgresql' },
      {
        description: `the bundled database (pod ${pod})`,
        close: async () => {},
      },
    );
  }
  const image = options.clientImage ?? clientImageOf(options.values);
  const name = clientPodName(ref.name);
  const where =
    kind === 'bitnami'
      ? `the original chart's Bitnami database (Service ${target.service}, pod ${target.pod})`
      : `the external database ${target.host}:${target.port}`;
  options.onStatus?.(`starting client pod ${name} (${image}) for ${where}`);
  const remove = async () => {
    await kubectl.run(
      ['delete', 'pod', name, '-n', ref.namespace, '--ignore-not-found', '--wait=false'],
      { allowFailure: true, timeoutMs: 30_000 },
    );
  };
  await api.post(
    `/api/v1/namespaces/${ref.namespace}/pods`,
    clientPodManifest(ref, target, image, name),
  );
  try {
    await waitForPod(api, ref.namespace, name, options.podTimeoutMs ?? 180_000, options.signal);
  } catch (error) {
    const removed = await remove().then(
      () => true,
      () => false,
    );
    const left = removed
      ? `the client pod ${name} is deleted`
      : `the client pod ${name} may be left: kubectl delete pod ${name} -n ${ref.namespace}`;
    if (options.signal?.aborted) throw new InterruptedError(`Interrupted; ${left}.`);
    if (error instanceof UserError)
      throw new UserError(`${error.message} (${left})`, { hint: error.hint });
    throw error;
  }
  let closed = false;
  return new ExecSession(
    kubectl,
    ref,
    target,
    kind,
    { pod: name, container: clientContainer },
    {
      description: `${where} through client pod ${name}`,
      close: async () => {
        if (closed) return;
        closed = true;
        await remove();
      },
    },
  );
}

/**
 * The client image a server needs, when the default one is too old for it: pg_dump refuses a
 * server of a newer major version than its own ("aborting because of server version mismatch"),
 * and pg_restore reads only archives of a pg_dump no newer than itself. `undefined`: `image`
 * will do (its major is the server's or newer; pg_dump reads servers back to 9.2).
 * `serverVersionNum` is `SHOW server_version_num` (150018 for 15.18).
 */
export function clientImageForServer(image: string, serverVersionNum: string): string | undefined {
  const imageMajor = Number(/:(\d+)/.exec(image)?.[1]);
  const major = Math.floor(Number(serverVersionNum) / 10_000);
  return Number.isFinite(imageMajor) && major >= 10 && major > imageMajor
    ? `postgres:${major}`
    : undefined;
}

/**
 * openDatabaseSession for pg_dump and pg_restore (backup, restore): a client pod whose image
 * the caller did not choose is replaced by one of the server's major version when the default is
 * older than the server (clientImageForServer). The bundled database's pod is the server's own.
 */
export async function openDumpSession(
  ref: ReleaseDatabaseRef,
  kubectl: Kubectl,
  options: OpenOptions = {},
): Promise<DatabaseSession> {
  const first = await openDatabaseSession(ref, kubectl, options);
  if (first.kind === 'bundled' || options.clientImage !== undefined) return first;
  let better: string | undefined;
  try {
    const [[versionNum = ''] = []] = await first.query('SHOW server_version_num', {
      ...(options.signal && { signal: options.signal }),
    });
    better = clientImageForServer(clientImageOf(options.values), versionNum);
  } catch (error) {
    await first.close();
    throw error;
  }
  if (better === undefined) return first;
  await first.close();
  return openDatabaseSession(ref, kubectl, { ...options, clientImage: better });
}

/**
 * Opens a session in its own Ctrl-C scope, runs `use`, and closes the session however it ends.
 * Ctrl-C aborts `signal` (pass it to run/query); the session is closed and an InterruptedError
 * says so.
 */
export async function withDatabaseSession<T>(
  ref: ReleaseDatabaseRef,
  kubectl: Kubectl,
  use: (session: DatabaseSession, signal: AbortSignal) => Promise<T>,
  options: Omit<OpenOptions, 'signal'> = {},
): Promise<T> {
  return withInterruptScope(async (signal) => {
    const session = await openDatabaseSession(ref, kubectl, { ...options, signal });
    try {
      return await use(session, signal);
    } catch (error) {
      if (signal.aborted && !(error instanceof InterruptedError)) {
        await session.close();
        throw new InterruptedError(
          session.kind === 'bundled'
            ? 'Interrupted; the database command was stopped.'
            : 'Interrupted; the database command was stopped and its client pod deleted.',
        );
      }
      throw error;
    } finally {
      await session.close();
    }
  });
}

async function waitForPod(
  api: KubeApi,
  namespace: string,
  name: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw new UserError('interrupted', { exitCode: ExitCode.interrupted });
    const pod = await api.get<Pod>(`/api/v1/namespaces/${namespace}/pods/${name}`);
    const phase = pod?.status?.phase;
    if (phase === 'Running') return;
    const waiting = pod?.status?.containerStatuses?.[0]?.state?.waiting;
    if (
      phase === 'Failed' ||
      phase === 'Succeeded' ||
      /ImagePull|InvalidImageName/.test(waiting?.reason ?? '')
    ) {
      throw new UserError(
        `The database client pod ${name} did not start: ${waiting?.reason ?? phase}${waiting?.message ? ` (${waiting.message})` : ''}.`,
        { hint: `kubectl describe pod ${name} -n ${namespace}` },
      );
    }
    if (Date.now() > deadline) {
      throw new UserError(
        `The database client pod ${name} was not running after ${Math.round(timeoutMs / 1000)} s (${waiting?.reason ?? phase ?? 'no status'}).`,
        { hint: `kubectl describe pod ${name} -n ${namespace}` },
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Why a run was stopped: a timeout (AbortSignal.timeout) is a failure that says so; any other
 * abort is Ctrl-C's, exit 130.
 */
function stoppedBy(program: DatabaseProgram, signal: AbortSignal): UserError {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'TimeoutError')
    return new UserError(`${program} did not finish in time and was stopped.`);
  return new UserError(`${program} was interrupted.`, { exitCode: ExitCode.interrupted });
}

/** The end of a stream kept for messages: the last 16 KiB. */
class Tail {
  #text = '';
  push(chunk: Buffer) {
    this.#text = (this.#text + chunk.toString('utf8')).slice(-16_384);
  }
  get text() {
    return this.#text;
  }
}

class ExecSession implements DatabaseSession {
  readonly description: string;
  readonly user: string;
  readonly database: string;
  readonly close: () => Promise<void>;

  constructor(
    private readonly kubectl: Kubectl,
    private readonly ref: ReleaseDatabaseRef,
    target: DatabaseTarget,
    readonly kind: DatabaseKind,
    private readonly place: ExecPlace,
    extra: { description: string; close: () => Promise<void> },
  ) {
    this.user = target.user;
    this.database = target.database;
    this.description = extra.description;
    this.close = extra.close;
  }

  psql(args: readonly string[], io: DatabaseRunIo = {}): Promise<void> {
    return this.run('psql', args, io);
  }

  /** kubectl's argv: exec into the place, the program with the connection, then the args. */
  execArgs(program: DatabaseProgram, args: readonly string[], io: DatabaseRunIo): string[] {
    return this.kubectl.argv([
      'exec',
      ...(io.stdin ? ['-i'] : []),
      this.place.pod,
      '-n',
      this.ref.namespace,
      '-c',
      this.place.container,
      '--',
      program,
      `--username=${this.user}`,
      `--dbname=${io.database ?? this.database}`,
      ...args,
    ]);
  }

  run(program: DatabaseProgram, args: readonly string[], io: DatabaseRunIo = {}): Promise<void> {
    const { stdin, stdout, stderr, signal } = io;
    if (signal?.aborted) return Promise.reject(stoppedBy(program, signal));
    const child = spawn(this.kubectl.binary, this.execArgs(program, args, io), {
      stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    // stdio 1 and 2 are pipes (spawn's types cannot say so for a computed stdio array)
    const childOut = child.stdout as Readable;
    const childErr = child.stderr as Readable;
    const tail = new Tail();
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      const onAbort = () => {
        child.kill('SIGTERM');
        stdin?.unpipe();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (error) =>
        finish(
          new UserError(`kubectl could not be started (${this.kubectl.binary}): ${error.message}`),
        ),
      );
      if (stdin && child.stdin) {
        const childIn = child.stdin;
        // a program that ends before reading all of stdin closes the pipe: not our failure
        childIn.on('error', () => {});
        stdin.pipe(childIn);
        // a source that fails (an unreadable file) must not look like a complete input
        stdin.once('error', (error) => {
          child.kill('SIGTERM');
          finish(error);
        });
        // the source stays the caller's: it is only let go, never destroyed
        child.once('close', () => stdin.unpipe(childIn));
      }
      // stdout is piped, so its backpressure reaches kubectl (and the database) through the pipe
      if (stdout) childOut.pipe(stdout, { end: stdout !== process.stdout });
      else childOut.resume();
      childErr.on('data', (chunk: Buffer) => {
        tail.push(chunk);
        stderr?.write(chunk);
      });
      const outputDone = new Promise<void>((done) => {
        if (!stdout) return childOut.on('end', () => done());
        // the destination has all of stdout once it finished (or, for process.stdout, once the
        // source ended and was written)
        if (stdout === process.stdout) childOut.on('end', () => done());
        else stdout.on('finish', () => done());
        stdout.on('error', (error) => {
          child.kill('SIGTERM');
          finish(error);
        });
      });
      child.on('close', (code, killedBy) => {
        if (signal?.aborted) {
          finish(stoppedBy(program, signal));
        } else if (code !== 0) {
          finish(
            new DatabaseCommandError(
              program,
              this.description,
              code ?? 1,
              tail.text || `kubectl ended by ${killedBy ?? 'an unknown cause'}`,
            ),
          );
        } else {
          outputDone.then(() => finish());
        }
      });
    });
  }

  async query(
    sql: string,
    options: { database?: string; signal?: AbortSignal } = {},
  ): Promise<string[][]> {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
    await this.run(
      'psql',
      [
        '--no-psqlrc',
        '--quiet',
        '--tuples-only',
        '--no-align',
        '--field-separator=\x1f',
        '--record-separator=\x1e',
        '--set=ON_ERROR_STOP=1',
        `--command=${sql}`,
      ],
      { stdout: sink, ...options },
    );
    const text = Buffer.concat(chunks).toString('utf8').replace(/\n$/, '');
    if (text === '') return [];
    return text.split('\x1e').map((row) => row.split('\x1f'));
  }
}
