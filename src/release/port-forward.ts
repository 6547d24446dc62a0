// The one `kubectl port-forward svc/NAME LOCAL:PORT` of this program (connect, tenant, doctor):
// started as a child process (an argument array, never a shell), its "Forwarding from" line read
// for the port, its stderr read for why it stopped (forward-output.ts). connect keeps it alive,
// restarting it on the same local port with backoff whenever it exits (a pod restarted, a
// connection was lost); doctor (ServiceForwards) opens one per Service once and reports a drop
// instead of healing it, since doctor describes what is.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { UserError } from '../errors.js';
import { formatDuration } from '../plan/duration.js';
import { type BackoffPolicy, backoffDelay, forwardBackoff } from '../prefect/backoff.js';
import {
  isPermanentForwardFailure,
  parseForwardingPort,
  portForwardFailure,
} from './forward-output.js';

/** How kubectl is run: its binary and the global flags (kubeconfig, context) for every call. */
export interface KubectlCommand {
  readonly binary: string;
  argv(args: readonly string[]): string[];
}

export interface ForwardTarget {
  namespace: string;
  service: string;
  remotePort: number;
}

export type ForwardEvent =
  | { type: 'dropped'; reason: string; retryInMs: number; attempt: number }
  | { type: 'restarted'; port: number };

export interface ForwardOptions {
  policy?: BackoffPolicy;
  onEvent?: (event: ForwardEvent) => void;
  /** A forward that stayed up this long is healthy again: the next drop starts backoff afresh. */
  stableAfterMs?: number;
  /** Restart after a drop (the default); when false a drop settles `lost` instead. */
  restart?: boolean;
  /** Wait, with backoff, for a pod that is not running yet (the default); false: fail at once. */
  waitForPods?: boolean;
  /** The local address to listen on (kubectl's --address); kubectl's default when not given. */
  address?: string;
}

interface Run {
  child: ChildProcess;
  /** Resolves with the local port once listening, or with the reason kubectl exited first. */
  ready: Promise<{ port: number } | { exited: string }>;
  exited: Promise<string>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class SupervisedForward {
  private run: Run | undefined;
  private localPort: number | undefined;
  private stopping = false;
  private attempt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private readonly policy: BackoffPolicy;
  private settleLost: ((reason: string) => void) | undefined;
  /** Settles with kubectl's reason when a forward that does not restart stops forwarding. */
  readonly lost: Promise<string>;

  constructor(
    private readonly kubectl: KubectlCommand,
    readonly target: ForwardTarget,
    private readonly options: ForwardOptions = {},
  ) {
    this.policy = options.policy ?? forwardBackoff;
    this.lost = new Promise<string>((resolve) => {
      this.settleLost = resolve;
    });
  }

  /** The local port, once listening. */
  get port(): number | undefined {
    return this.localPort;
  }

  get description(): string {
    return `svc/${this.target.service}:${this.target.remotePort} in ${this.target.namespace}`;
  }

  private spawnRun(localPort: number): Run {
    const args = this.kubectl.argv([
      'port-forward',
      '--namespace',
      this.target.namespace,
      ...(this.options.address ? ['--address', this.options.address] : []),
      `svc/${this.target.service}`,
      `${localPort === 0 ? '' : localPort}:${this.target.remotePort}`,
    ]);
    const child = spawn(this.kubectl.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      // Only the tail matters for the reason; a long-lived forward must not grow without bound.
      stderr = (stderr + String(chunk)).slice(-8_000);
    });
    const exited = new Promise<string>((resolve) => {
      child.once('error', (error) => resolve(`kubectl could not be started: ${error.message}`));
      child.once('close', (code, signal) =>
        resolve(
          portForwardFailure(stderr) ??
            (signal ? `kubectl was stopped (${signal})` : `kubectl exited with code ${code}`),
        ),
      );
    });
    const ready = new Promise<{ port: number } | { exited: string }>((resolve) => {
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      lines.on('line', (line) => {
        const port = parseForwardingPort(line);
        if (port !== undefined) resolve({ port });
      });
      void exited.then((reason) => resolve({ exited: reason }));
    });
    return { child, ready, exited };
  }

  /**
   * Starts the forward on `localPort` (0: kubectl picks one) and resolves with the port. A pod
   * that is not running yet is waited for, with backoff, up to `timeoutMs` (unless `waitForPods`
   * is false); a failure no retry fixes (no such Service, port in use, forbidden) is thrown at
   * once, and so is a kubectl that has not started forwarding by then.
   */
  async start(localPort: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      if (this.stopping) throw new UserError('Stopped before the port-forward was ready.');
      const run = this.spawnRun(localPort);
      this.run = run;
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        run.ready,
        new Promise<'late'>((resolve) => {
          // A kubectl that neither forwards nor exits (a hung connection) is given up on; at
          // least 10 s, so a short retry budget still hears why the last attempt failed.
          timer = setTimeout(() => resolve('late'), Math.max(10_000, deadline - Date.now()));
        }),
      ]);
      clearTimeout(timer);
      if (outcome === 'late') {
        run.child.kill('SIGTERM');
        throw new UserError(
          `kubectl port-forward ${this.description} did not start within ${formatDuration(Math.max(10_000, timeoutMs))}.`,
        );
      }
      if ('port' in outcome) {
        this.localPort = outcome.port;
        this.watch(run);
        return outcome.port;
      }
      const remaining = deadline - Date.now();
      if (
        isPermanentForwardFailure(outcome.exited) ||
        remaining <= 0 ||
        this.options.waitForPods === false
      ) {
        throw new UserError(`kubectl port-forward ${this.description} failed: ${outcome.exited}.`, {
          hint: isPermanentForwardFailure(outcome.exited)
            ? undefined
            : `Check that the pods behind it are running: kubectl get pods -n ${this.target.namespace}`,
        });
      }
      await sleep(Math.min(backoffDelay(attempt, this.policy), remaining));
    }
  }

  private watch(run: Run): void {
    clearTimeout(this.stableTimer);
    this.stableTimer = setTimeout(() => this.markHealthy(), this.options.stableAfterMs ?? 10_000);
    void run.exited.then((reason) => {
      // Ctrl-C in a terminal reaches kubectl (same process group) as well as us; when kubectl
      // died of a signal, give our own signal handler a moment to say this is a stop, not a drop.
      const grace = run.child.signalCode ? 250 : 0;
      setTimeout(() => {
        if (this.stopping || this.run !== run) return;
        clearTimeout(this.stableTimer);
        if (this.options.restart === false) this.settleLost?.(reason);
        else this.scheduleRestart(reason);
      }, grace);
    });
  }

  private scheduleRestart(reason: string): void {
    this.attempt += 1;
    const delay = backoffDelay(this.attempt, this.policy);
    this.options.onEvent?.({ type: 'dropped', reason, retryInMs: delay, attempt: this.attempt });
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    if (this.stopping || this.localPort === undefined) return;
    const run = this.spawnRun(this.localPort);
    this.run = run;
    const outcome = await run.ready;
    if (this.stopping) return;
    if ('port' in outcome) {
      this.watch(run);
      this.options.onEvent?.({ type: 'restarted', port: outcome.port });
    } else {
      this.scheduleRestart(outcome.exited);
    }
  }

  /** The forward carried traffic end to end: a later drop is a new incident, not the same one. */
  markHealthy(): void {
    this.attempt = 0;
  }

  /** Ends kubectl (TERM, then KILL after 2 s) and waits for it to be gone. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.stableTimer);
    const run = this.run;
    if (!run || run.child.exitCode !== null || run.child.signalCode !== null) return;
    run.child.kill('SIGTERM');
    const killer = setTimeout(() => run.child.kill('SIGKILL'), 2_000);
    await run.exited;
    clearTimeout(killer);
  }
}

/** "reconnecting in 2 s (attempt 2)": the drop as the user reads it. */
export function describeDrop(event: Extract<ForwardEvent, { type: 'dropped' }>): string {
  return `${event.reason}; reconnecting in ${formatDuration(event.retryInMs)}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
}

/** A local port reaching a Service, and why it stopped when it does (doctor's forwards). */
export interface Forward {
  localPort: number;
  /** Settles, with why, when kubectl stops forwarding (it exits on the first broken connection). */
  lost: Promise<Error>;
}

/**
 * doctor's port-forwards to the release's Services: opened on demand on 127.0.0.1, once per
 * Service and port (shared by the checks that need it), never restarted (a drop is what doctor
 * reports), all closed by closeAll() whatever happens. A pod that is not running fails at once:
 * doctor says so rather than waiting for it.
 */
export class ServiceForwards {
  private readonly forwards: SupervisedForward[] = [];
  private readonly opened = new Map<string, Promise<Forward>>();

  constructor(
    private readonly kubectl: KubectlCommand,
    private readonly timeoutMs = 10_000,
  ) {}

  /** A local port on 127.0.0.1 that reaches `port` of Service `service`. */
  open(namespace: string, service: string, port: number): Promise<Forward> {
    const key = `${namespace}/${service}:${port}`;
    let forward = this.opened.get(key);
    if (!forward) {
      const supervised = new SupervisedForward(
        this.kubectl,
        { namespace, service, remotePort: port },
        { restart: false, waitForPods: false, address: '127.0.0.1' },
      );
      this.forwards.push(supervised);
      forward = supervised.start(0, this.timeoutMs).then((localPort) => ({
        localPort,
        lost: supervised.lost.then(
          (reason) => new Error(`the port-forward to service ${service} broke: ${reason}`),
        ),
      }));
      this.opened.set(key, forward);
    }
    return forward;
  }

  /** Ends every forward and waits until the processes are gone. */
  async closeAll(): Promise<void> {
    await Promise.allSettled(this.forwards.map((f) => f.stop()));
    this.forwards.length = 0;
    this.opened.clear();
  }
}
