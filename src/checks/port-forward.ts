// Temporary `kubectl port-forward`s to the release's Services, opened on demand (once per Service
// and port, shared by the checks that need it) and all closed when doctor ends, whatever happens.
import { execa, type ResultPromise } from 'execa';
import type { ClusterTarget } from '../tools/kubectl.js';
import { stderrReason } from '../tools/run-tool.js';

export interface Forward {
  localPort: number;
  /** Settles, with why, when kubectl stops forwarding (it exits on the first broken connection). */
  lost: Promise<Error>;
}

/** kubectl's reason for a broken forward, from its stderr. */
export function forwardFailure(stderr: string): string {
  const detailed = [...stderr.matchAll(/err="([^"\\]*(?:\\.[^"\\]*)*)"/g)].pop()?.[1];
  if (detailed) return detailed.replaceAll('\\"', '"');
  return stderrReason(stderr, /^error: /) ?? 'kubectl exited';
}

export class PortForwards {
  private readonly children: ResultPromise[] = [];
  private readonly opened = new Map<string, Promise<Forward>>();

  constructor(
    private readonly kubectlBinary: string,
    private readonly target: ClusterTarget,
    private readonly timeoutMs = 10_000,
  ) {}

  /** A local port on 127.0.0.1 that reaches `port` of Service `service`. */
  open(namespace: string, service: string, port: number): Promise<Forward> {
    const key = `${namespace}/${service}:${port}`;
    let forward = this.opened.get(key);
    if (!forward) {
      forward = this.start(namespace, service, port);
      this.opened.set(key, forward);
    }
    return forward;
  }

  private start(namespace: string, service: string, port: number): Promise<Forward> {
    const args: string[] = [];
    if (this.target.kubeconfig) args.push('--kubeconfig', this.target.kubeconfig);
    if (this.target.context) args.push('--context', this.target.context);
    args.push(
      'port-forward',
      '--namespace',
      namespace,
      '--address',
      '127.0.0.1',
      `service/${service}`,
      `:${port}`,
    );
    const child = execa(this.kubectlBinary, args, {
      reject: false,
      stdin: 'ignore',
      buffer: false,
      forceKillAfterDelay: 2_000,
    });
    this.children.push(child);
    let stderr = '';
    const lost = child.then(
      () => new Error(`the port-forward to service ${service} broke: ${forwardFailure(stderr)}`),
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    return new Promise<Forward>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(
          new Error(
            `kubectl port-forward to service ${service} did not start within ${this.timeoutMs / 1000} s`,
          ),
        );
      }, this.timeoutMs);
      child.stdout?.on('data', (chunk: Buffer) => {
        const match = String(chunk).match(/Forwarding from 127\.0\.0\.1:(\d+)/);
        if (match) {
          clearTimeout(timer);
          resolve({ localPort: Number(match[1]), lost });
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += String(chunk);
      });
      child.then(
        () => {
          clearTimeout(timer);
          reject(
            new Error(
              `kubectl port-forward to service ${service} failed: ${forwardFailure(stderr)}`,
            ),
          );
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /** Ends every forward and waits until the processes are gone. */
  async closeAll(): Promise<void> {
    for (const child of this.children) child.kill('SIGTERM');
    await Promise.allSettled(this.children);
    this.children.length = 0;
    this.opened.clear();
  }
}
