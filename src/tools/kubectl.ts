import { existsSync } from 'node:fs';
import { locateTool } from './locate.js';
import { type RunOptions, runTool, type ToolResult } from './run-tool.js';

/** Which cluster every call goes to: passed explicitly on each call so nothing depends on ambient state. */
export interface ClusterTarget {
  kubeconfig?: string | undefined;
  context?: string | undefined;
}

/** A thin adapter over the user's kubectl: argument arrays in, parsed JSON out. */
export class Kubectl {
  private constructor(
    readonly binary: string,
    private readonly target: ClusterTarget,
  ) {}

  static async create(
    target: ClusterTarget,
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<Kubectl> {
    return new Kubectl(await locateTool('kubectl', env), target);
  }

  /** The kubeconfig and context this kubectl talks to, for code that starts kubectl itself. */
  clusterRef(): { kubeconfig: string | undefined; context: string | undefined } {
    return { kubeconfig: this.target.kubeconfig, context: this.target.context };
  }

  /** The same kubectl pointed at another context (the wizard asks for one before anything else). */
  withContext(context: string | undefined): Kubectl {
    return new Kubectl(this.binary, { ...this.target, context });
  }

  private globalArgs(): string[] {
    const args: string[] = [];
    if (this.target.kubeconfig) args.push('--kubeconfig', this.target.kubeconfig);
    if (this.target.context) args.push('--context', this.target.context);
    return args;
  }

  /** The full argument array, for a long-running kubectl (port-forward) the caller supervises. */
  argv(args: readonly string[]): string[] {
    return [...this.globalArgs(), ...args];
  }

  run(args: readonly string[], options: RunOptions = {}): Promise<ToolResult> {
    return runTool('kubectl', this.binary, [...this.globalArgs(), ...args], options);
  }

  async json<T>(args: readonly string[], options: RunOptions = {}): Promise<T> {
    const result = await this.run([...args, '-o', 'json'], options);
    return JSON.parse(result.stdout) as T;
  }

  /** Applies manifests given on stdin, so a Secret's data never appears in argv. */
  apply(
    manifest: string,
    namespace: string | undefined,
    options: RunOptions = {},
  ): Promise<ToolResult> {
    const args = ['apply', '-f', '-'];
    if (namespace) args.push('--namespace', namespace);
    return this.run(args, { ...options, input: manifest });
  }

  /** "context NAME (https://server)" for messages, read from the kubeconfig without contacting the cluster. */
  async describeTarget(): Promise<{ description: string; kubeconfigMissing: boolean }> {
    const files = (this.target.kubeconfig ?? process.env.KUBECONFIG ?? '')
      .split(':')
      .filter(Boolean);
    const missing = files.filter((file) => !existsSync(file));
    if (missing.length > 0 && missing.length === files.length) {
      return {
        description: `the kubeconfig ${missing.join(', ')} does not exist`,
        kubeconfigMissing: true,
      };
    }
    const view = await this.run(['config', 'view', '--minify', '--output', 'json'], {
      allowFailure: true,
      timeoutMs: 5000,
    });
    const fallback = this.target.context ? `context ${this.target.context}` : 'the current context';
    if (view.exitCode !== 0) return { description: fallback, kubeconfigMissing: false };
    const config = JSON.parse(view.stdout) as {
      'current-context'?: string;
      clusters?: { cluster?: { server?: string } }[];
    };
    const server = config.clusters?.[0]?.cluster?.server;
    const context = this.target.context ?? config['current-context'] ?? '(none)';
    return {
      description: `context ${context}${server ? ` (${server})` : ''}`,
      kubeconfigMissing: false,
    };
  }

  /** The contexts of the kubeconfig and which one is current. */
  async contexts(): Promise<{ names: string[]; current: string | undefined }> {
    const names = (
      await this.run(['config', 'get-contexts', '-o', 'name'], { allowFailure: true })
    ).stdout
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const current = await this.run(['config', 'current-context'], { allowFailure: true });
    return { names, current: current.exitCode === 0 ? current.stdout.trim() : undefined };
  }
}
