import type { ClusterTarget } from './kubectl.js';
import { locateTool } from './locate.js';
import { type RunOptions, runTool, type ToolResult } from './run-tool.js';
import { cachedVersion } from './version-cache.js';

export interface HelmRelease {
  name: string;
  namespace: string;
  revision: string;
  updated: string;
  status: string;
  chart: string;
  app_version: string;
}

export interface HelmHistoryEntry {
  revision: number;
  updated: string;
  status: string;
  chart: string;
  app_version: string;
  description: string;
}

/** What `helm install|upgrade` needs; values only ever travel in files (0600, private dir). */
export interface HelmApplyRequest {
  release: string;
  namespace: string;
  chart: string;
  version?: string | undefined;
  valuesFiles: readonly string[];
  wait: boolean;
  timeout: string;
  /** helm 3 --atomic / helm 4 --rollback-on-failure */
  rollbackOnFailure?: boolean;
  verify?: { keyring: string } | undefined;
  createNamespace?: boolean;
  dryRun?: 'server' | undefined;
}

/** A thin adapter over helm 3 or helm 4; flags that differ between them are chosen here. */
export class Helm {
  private constructor(
    readonly binary: string,
    readonly majorVersion: number,
    readonly version: string,
    private readonly target: ClusterTarget,
  ) {}

  static async create(target: ClusterTarget, env: NodeJS.ProcessEnv = process.env): Promise<Helm> {
    const binary = await locateTool('helm', env);
    const version = await cachedVersion(binary, async () =>
      (await runTool('helm', binary, ['version', '--template', '{{.Version}}'])).stdout.trim(),
    );
    const major = Number(version.match(/^v(\d+)\./)?.[1] ?? Number.NaN);
    return new Helm(binary, major, version, target);
  }

  /** The same helm pointed at another context (the wizard may have chosen one). */
  withContext(context: string | undefined): Helm {
    return new Helm(this.binary, this.majorVersion, this.version, { ...this.target, context });
  }

  private globalArgs(): string[] {
    const args: string[] = [];
    if (this.target.kubeconfig) args.push('--kubeconfig', this.target.kubeconfig);
    if (this.target.context) args.push('--kube-context', this.target.context);
    return args;
  }

  run(args: readonly string[], options: RunOptions = {}): Promise<ToolResult> {
    return runTool('helm', this.binary, [...args, ...this.globalArgs()], options);
  }

  /** The exact argv of an install or upgrade, shown by --dry-run and run otherwise. */
  applyArgs(verb: 'install' | 'upgrade', request: HelmApplyRequest): string[] {
    const args = [verb, request.release, request.chart, '--namespace', request.namespace];
    if (verb === 'upgrade') args.push('--install');
    if (request.version) args.push('--version', request.version);
    for (const file of request.valuesFiles) args.push('--values', file);
    if (request.wait) args.push('--wait');
    args.push('--timeout', request.timeout);
    if (request.rollbackOnFailure)
      args.push(this.majorVersion >= 4 ? '--rollback-on-failure' : '--atomic');
    if (request.verify) args.push('--verify', '--keyring', request.verify.keyring);
    if (request.createNamespace) args.push('--create-namespace');
    if (request.dryRun) args.push('--dry-run=server');
    return args;
  }

  /**
   * `helm template` of the same chart, version, values and signature check as applyArgs: the
   * client-side render of an install when no cluster answers. The flags that only mean something
   * to a cluster (--wait, --timeout, --atomic, --create-namespace, --dry-run) are left out.
   */
  templateArgs(request: HelmApplyRequest): string[] {
    const args = ['template', request.release, request.chart, '--namespace', request.namespace];
    if (request.version) args.push('--version', request.version);
    for (const file of request.valuesFiles) args.push('--values', file);
    if (request.verify) args.push('--verify', '--keyring', request.verify.keyring);
    return args;
  }

  async list(namespace: string | undefined): Promise<HelmRelease[]> {
    // Every state that matters (helm 4 dropped --all; these flags mean the same in both).
    const args = [
      'list',
      '--output',
      'json',
      '--deployed',
      '--failed',
      '--pending',
      '--uninstalling',
    ];
    if (namespace) args.push('--namespace', namespace);
    else args.push('--all-namespaces');
    return JSON.parse((await this.run(args)).stdout) as HelmRelease[];
  }

  async history(release: string, namespace: string): Promise<HelmHistoryEntry[]> {
    const result = await this.run(
      ['history', release, '--namespace', namespace, '--output', 'json'],
      {
        allowFailure: true,
      },
    );
    if (result.exitCode !== 0) return [];
    return JSON.parse(result.stdout) as HelmHistoryEntry[];
  }

  /** User-supplied values of a release (what install or the last upgrade was given). */
  async userValues(release: string, namespace: string): Promise<Record<string, unknown>> {
    const out = (
      await this.run(['get', 'values', release, '--namespace', namespace, '--output', 'json'])
    ).stdout;
    return (JSON.parse(out) ?? {}) as Record<string, unknown>;
  }
}
