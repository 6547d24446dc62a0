// What every doctor check gets: the options, the tools, and the cluster's state gathered once.
// Each fact is fetched the first time a check asks for it and shared after that, so checks that
// run at the same time never repeat a call; whatever a fact opened (port-forwards, a database
// connection) is closed by close(). Reads go through the API client (tools/kube-api.ts: straight
// from Node when the kubeconfig allows), so no kubectl starts for them; kubectl runs only for
// what only it does (port-forward), helm for the release.
import { UserError } from '../errors.js';
import { type Forward, ServiceForwards } from '../release/port-forward.js';
import { targetLine } from '../release/release-flags.js';
import { Helm, type HelmRelease } from '../tools/helm.js';
import { type KubeApi, KubeApiError, kubeApiFor } from '../tools/kube-api.js';
import { Kubectl } from '../tools/kubectl.js';
import { errorPrefix, stderrReason, ToolError } from '../tools/run-tool.js';
import { cachedVersion } from '../tools/version-cache.js';
import { type AccessQuestion, accessAnswers } from './access-review.js';
import {
  type ClusterClasses,
  fetchClusterClasses,
  fetchReleaseObjects,
  type ReleaseObjects,
} from './cluster-state.js';
import { withTimeout } from './timeout.js';

export type { Forward };

export interface DoctorOptions {
  namespace: string;
  release: string;
  context: string | undefined;
  kubeconfig: string | undefined;
  /** Before an install: only tools, cluster and permissions. */
  pre: boolean;
  /** An external database reached directly (its password from the URL, PGPASSWORD or the Secret). */
  databaseUrl: string | undefined;
  /** How long a LoadBalancer or Ingress may wait for its address before that is a failure. */
  addressGraceSeconds: number;
  /** The log table size from which doctor warns (default: database-data.ts). */
  logTableWarnBytes?: number | undefined;
  env: NodeJS.ProcessEnv;
}

/**
 * A check that cannot run (the cluster is unreachable, a permission is missing, nothing to reach
 * the database through): doctor reports a warning that says why, never a crash.
 */
export class CannotRun extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CannotRun';
  }
}

export interface Versions {
  client: string | undefined;
  server: string | undefined;
  /** Why the server did not answer. */
  error: string | undefined;
}

export interface ReleaseLookup {
  release: HelmRelease | undefined;
  /** Every release in the namespace, to suggest the right --release. */
  others: HelmRelease[];
}

export class DoctorContext {
  readonly now = new Date();
  private readonly facts = new Map<string, Promise<unknown>>();
  private readonly closers: (() => Promise<void>)[] = [];
  private forwards: ServiceForwards | undefined;

  constructor(readonly options: DoctorOptions) {}

  get namespace(): string {
    return this.options.namespace;
  }

  get releaseName(): string {
    return this.options.release;
  }

  /** The flags that name this release (`targetLine`), for commands printed in hints. */
  get target(): string {
    return targetLine(this.options);
  }

  /** The same fact for every check that asks; computed once. */
  shared<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let fact = this.facts.get(key) as Promise<T> | undefined;
    if (!fact) {
      fact = compute();
      // A failed fact is reported by the checks that await it; never as an unhandled rejection.
      fact.catch(() => {});
      this.facts.set(key, fact);
    }
    return fact;
  }

  /** Registers something to release when doctor ends (a database connection). */
  onClose(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  kubectl(): Promise<Kubectl> {
    return this.shared('kubectl', () =>
      Kubectl.create(
        { kubeconfig: this.options.kubeconfig, context: this.options.context },
        this.options.env,
      ),
    );
  }

  /** The API client of the cluster kubectl points at (one kept-alive connection). */
  api(): Promise<KubeApi> {
    return this.shared('api', async () => kubeApiFor(await this.kubectl(), this.options.env));
  }

  helm(): Promise<Helm> {
    return this.shared('helm', () =>
      Helm.create(
        { kubeconfig: this.options.kubeconfig, context: this.options.context },
        this.options.env,
      ),
    );
  }

  /**
   * kubectl's own version (asked once per build of the binary: tools/version-cache.ts) and the API
   * server's (GET /version), side by side.
   */
  versions(): Promise<Versions> {
    return this.shared('versions', async () => {
      const kubectl = await this.kubectl();
      const [client, server] = await Promise.all([
        kubectlClientVersion(kubectl, this.options.env),
        kubeApiFor(kubectl, this.options.env)
          .get<{ gitVersion?: string }>('/version', { timeoutMs: 5_000 })
          .then(
            (answer) => ({ version: answer?.gitVersion, error: undefined }),
            (error: unknown) => ({ version: undefined, error: unreachableReason(error) }),
          ),
      ]);
      return {
        client,
        server: server.version,
        error: server.version ? undefined : server.error || 'no answer',
      };
    });
  }

  /** The API server's version; a CannotRun for every check that needs the cluster when it is down. */
  async reachable(): Promise<string> {
    let versions: Versions;
    try {
      versions = await this.versions();
    } catch (error) {
      throw new CannotRun(
        `skipped: ${error instanceof Error ? error.message : String(error)}`,
        error instanceof UserError ? error.hint : undefined,
      );
    }
    if (!versions.server) {
      throw new CannotRun(
        'skipped: the cluster is not reachable',
        'See the cluster checks above for why.',
      );
    }
    return versions.server;
  }

  namespaceExists(): Promise<boolean> {
    return this.shared('namespace', async () => {
      await this.reachable();
      const api = await this.api();
      try {
        return (await api.get(`/api/v1/namespaces/${this.namespace}`)) !== undefined;
      } catch (error) {
        // A user without cluster-wide reads cannot ask; their namespace exists if they work in it.
        if (error instanceof KubeApiError && error.status === 403) return true;
        throw new Error(error instanceof Error ? error.message : String(error));
      }
    });
  }

  /** The release's objects: one list call per kind, shared by every check. */
  objects(): Promise<ReleaseObjects> {
    return this.shared('objects', async () => {
      await this.reachable();
      const objects = await fetchReleaseObjects(await this.api(), this.namespace, this.releaseName);
      const none =
        objects.workloads.length +
          objects.pods.length +
          objects.services.length +
          objects.ingresses.length ===
        0;
      if (none) {
        // No objects and no release: the release checks say so once; the rest have nothing to check.
        const lookup = await this.release().catch(() => undefined);
        if (lookup && !lookup.release)
          throw new CannotRun(
            `skipped: there is no release ${this.releaseName} in ${this.namespace}`,
          );
      }
      return objects;
    });
  }

  classes(): Promise<ClusterClasses> {
    return this.shared('classes', async () => {
      await this.reachable();
      return fetchClusterClasses(await this.api());
    });
  }

  /** Answers to can-i questions in the namespace (cluster-wide while it does not exist). */
  access(questions: readonly AccessQuestion[]): Promise<Map<string, boolean>> {
    const key = `access:${questions.map((q) => `${q.verb} ${q.resource}`).join(',')}`;
    return this.shared(key, async () => {
      await this.reachable();
      const scope = (await this.namespaceExists()) ? this.namespace : undefined;
      return accessAnswers(await this.api(), questions, scope);
    });
  }

  /** The Helm release, read with helm as the user has it. */
  release(): Promise<ReleaseLookup> {
    return this.shared('release', async () => {
      await this.reachable();
      const helm = await this.helm();
      let releases: HelmRelease[];
      try {
        // Helm.list asks for every state that matters, in words helm 3 and helm 4 both take.
        releases = await helm.list(this.namespace);
      } catch (error) {
        const reason =
          error instanceof ToolError
            ? (stderrReason(error.stderr, errorPrefix.helm) ?? '')
            : String(error).replace(errorPrefix.helm, '');
        throw new CannotRun(
          `cannot list the Helm releases of ${this.namespace}: ${reason}`,
          /forbidden/i.test(reason)
            ? `Helm keeps releases in Secrets: you need to read Secrets in ${this.namespace}.`
            : undefined,
        );
      }
      return {
        release: releases.find((r) => r.name === this.releaseName),
        others: releases.filter((r) => r.name !== this.releaseName),
      };
    });
  }

  /** A port-forward to a Service of the release, opened once and closed by close(). */
  async forward(service: string, port: number): Promise<Forward> {
    const kubectl = await this.kubectl();
    this.forwards ??= new ServiceForwards(kubectl);
    return this.forwards.open(this.namespace, service, port);
  }

  /** Ends the forwards and connections, whatever state the checks left them in. */
  async close(): Promise<void> {
    // Bounded: a connection over a broken forward must not keep doctor from ending.
    await Promise.allSettled(this.closers.map((close) => withTimeout(close, 3_000, 'closing')));
    await this.forwards?.closeAll();
  }
}

/** kubectl's client version: only kubectl knows it, so it is asked once per build of the binary. */
async function kubectlClientVersion(
  kubectl: Kubectl,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const version = await cachedVersion(
    kubectl.binary,
    async () => {
      const result = await kubectl.run(['version', '--client', '--output', 'json'], {
        allowFailure: true,
        timeoutMs: 10_000,
      });
      try {
        return (
          (JSON.parse(result.stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion
            ?.gitVersion ?? ''
        );
      } catch {
        return '';
      }
    },
    env,
  );
  return version || undefined;
}

/**
 * Why the API server did not answer, in the words `kubectl version` used for it (the cluster
 * checks quote them): a refused connection and refused credentials as kubectl says them, anything
 * else as the server or the connection said it.
 */
export function unreachableReason(error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  const refused = reason.match(/^dial tcp (\S+): connect: connection refused$/);
  if (refused)
    return `The connection to the server ${refused[1]} was refused - did you specify the right host or port?`;
  if (error instanceof KubeApiError && error.status === 401)
    return `error: You must be logged in to the server (${reason})`;
  return reason;
}
