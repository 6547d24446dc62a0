// Reads and small writes against the Kubernetes API for the hot paths (preflight, progress while
// helm waits). Every kubectl start costs a Go binary's start-up and its own TLS handshake; on a
// small machine a dozen of them cost more than helm's whole install (scripts/bench.mjs measures
// it). So requests go straight from Node over one kept-alive TLS connection when the kubeconfig
// is one this reader understands, and through `kubectl get|create --raw` otherwise (exec
// plugins, auth providers, proxies): the same requests and answers either way.
import { Agent, request } from 'node:https';
import { UserError } from '../errors.js';
import { type DirectConnection, resolveConnection } from './kubeconfig.js';
import type { Kubectl } from './kubectl.js';
import { errorPrefix, stderrReason } from './run-tool.js';

/**
 * The API server refused a request, or did not answer. A UserError, so wherever it surfaces it
 * prints as one sentence and a hint, never as a crash. The message is the server's own reason
 * alone (the sentences that embed it, such as preflight's "cannot reach …: <reason>", read the
 * same on both transports); the request, its HTTP status and what to do are in the hint. Exit 1:
 * the API layer cannot know whether the path names something the user typed; a caller that does
 * (preflight's checks) decides bad input itself.
 */
export class KubeApiError extends UserError {
  readonly method: string;
  readonly path: string;
  /** The HTTP status; from kubectl's "(Forbidden)" words on that transport; none without an answer. */
  readonly status: number | undefined;

  constructor(reason: string, request: { method: string; path: string; status?: number }) {
    super(reason, { hint: kubeApiHint(request.method, request.path, request.status) });
    this.name = 'KubeApiError';
    this.method = request.method;
    this.path = request.path;
    this.status = request.status;
  }
}

/** The statuses kubectl names in "Error from server (Reason)" and "… (Unauthorized)". */
const statusOfReason: Record<string, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

/** The HTTP status behind kubectl's stderr, when it names one. */
export function statusFromKubectl(stderr: string): number | undefined {
  const word =
    stderr.match(/Error from server \((\w+)\)/)?.[1] ?? stderr.match(/\((\w+)\)\s*$/)?.[1];
  return word === undefined ? undefined : statusOfReason[word];
}

/** What a request asks in RBAC's words: `kubectl auth can-i` arguments. */
export function accessOf(
  method: string,
  path: string,
): { verb: string; resource: string; namespace?: string; subresource?: string } {
  const [bare = ''] = path.split('?');
  const verbs: Record<string, string> = {
    POST: 'create',
    PUT: 'update',
    PATCH: 'patch',
    DELETE: 'delete',
  };
  const segments = bare.split('/').filter(Boolean);
  let group: string;
  let rest: string[];
  if (segments[0] === 'api') [group, rest] = ['', segments.slice(2)];
  else if (segments[0] === 'apis') [group, rest] = [segments[1] ?? '', segments.slice(3)];
  else
    return {
      verb: method === 'GET' ? 'get' : (verbs[method] ?? method.toLowerCase()),
      resource: bare,
    };
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 2) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural = '', name, subresource] = rest;
  const verb =
    method === 'GET'
      ? name === undefined
        ? 'list'
        : 'get'
      : (verbs[method] ?? method.toLowerCase());
  return {
    verb,
    resource: group ? `${plural}.${group}` : plural,
    ...(namespace ? { namespace } : {}),
    ...(subresource ? { subresource } : {}),
  };
}

/** What to do about a refused or unanswered request, naming the request. */
function kubeApiHint(method: string, path: string, status: number | undefined): string {
  const asked = `${method} ${path}`;
  if (status === undefined)
    return `${asked} got no answer. Check the cluster and your kubeconfig: kubectl cluster-info   (another context: --context NAME)`;
  if (status === 401)
    return `${asked} answered 401 Unauthorized: the cluster did not accept your credentials. Log in again or refresh the kubeconfig, then check: kubectl cluster-info`;
  if (status === 403) {
    const { verb, resource, namespace, subresource } = accessOf(method, path);
    const where = namespace ? ` in namespace ${namespace}` : '';
    const canI = `kubectl auth can-i ${verb} ${resource}${subresource ? ` --subresource=${subresource}` : ''}${namespace ? ` -n ${namespace}` : ''}`;
    return `${asked} answered 403 Forbidden: you need permission to ${verb} ${resource}${subresource ? `/${subresource}` : ''}${where}. Check with ${canI}; a cluster admin can grant it${namespace ? ` (the "admin" role there: kubectl create rolebinding prefect-admin --clusterrole=admin --user=YOU -n ${namespace})` : ''}.`;
  }
  if (status === 404)
    return `${asked} answered 404 Not Found: the object or its API is not on this cluster. Check the name and the namespace (-n).`;
  return `${asked} answered HTTP ${status}. Run again with --debug to see every request.`;
}

export interface KubeApi {
  /** 'direct' (Node's https) or 'kubectl' (kubectl --raw), for tests and --debug */
  readonly transport: 'direct' | 'kubectl';
  /** A GET; `undefined` when the object does not exist (404). */
  get<T>(path: string, options?: { timeoutMs?: number }): Promise<T | undefined>;
  /** A GET of a plain-text answer (a pod's log); `undefined` when the object does not exist (404). */
  getText(path: string, options?: { timeoutMs?: number }): Promise<string | undefined>;
  /** A POST of a JSON body; the created (or reviewed) object comes back. */
  post<T>(path: string, body: unknown, options?: PostOptions): Promise<T>;
}

export interface PostOptions {
  timeoutMs?: number;
  /** Impersonate this user (kubectl's --as), e.g. to ask what a ServiceAccount may do. */
  as?: string;
}

const defaultTimeoutMs = 15_000;

/** Observers of every request (the --debug log): method and path only, never a body. */
const requestListeners: ((method: string, url: string, transport: string) => void)[] = [];
export function onApiRequest(
  listener: (method: string, url: string, transport: string) => void,
): void {
  requestListeners.push(listener);
}
const announce = (method: string, url: string, transport: string) => {
  for (const listener of requestListeners) listener(method, url, transport);
};

/** The message a Status object carries, or the HTTP status. */
function statusMessage(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: string };
    if (parsed.message) return parsed.message;
  } catch {
    // not a Status object
  }
  return `the server answered HTTP ${status}`;
}

class DirectKubeApi implements KubeApi {
  readonly transport = 'direct' as const;
  private readonly agent: Agent;
  private readonly base: URL;

  constructor(private readonly connection: DirectConnection) {
    this.base = new URL(connection.server);
    this.agent = new Agent({
      keepAlive: true,
      ca: connection.ca,
      cert: connection.cert,
      key: connection.key,
      rejectUnauthorized: !connection.insecure,
      servername: connection.tlsServerName,
    });
  }

  private send(
    method: string,
    path: string,
    body: string | undefined,
    timeoutMs: number,
    extra: Record<string, string> = {},
  ): Promise<{ status: number; body: string }> {
    const headers: Record<string, string> = { Accept: 'application/json', ...extra };
    if (this.connection.token) headers.Authorization = `Bearer ${this.connection.token}`;
    else if (this.connection.basicAuth)
      headers.Authorization = `Basic ${this.connection.basicAuth}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const prefix = this.base.pathname.replace(/\/$/, '');
    announce(method, `${this.base.origin}${prefix}${path}`, this.transport);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.base.hostname.replace(/^\[|\]$/g, ''),
          port: this.base.port || 443,
          path: `${prefix}${path}`,
          method,
          headers,
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(
          new KubeApiError(`no answer from ${this.base.host} in ${timeoutMs / 1000}s`, {
            method,
            path,
          }),
        ),
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof KubeApiError) return reject(error);
        // The wording kubectl uses, so messages read the same on either transport.
        const reason =
          error.code === 'ECONNREFUSED'
            ? `dial tcp ${this.base.host}: connect: connection refused`
            : error.message;
        reject(new KubeApiError(reason, { method, path }));
      });
      req.end(body);
    });
  }

  async get<T>(path: string, options: { timeoutMs?: number } = {}): Promise<T | undefined> {
    const body = await this.#read(path, options.timeoutMs, {});
    return body === undefined ? undefined : (JSON.parse(body) as T);
  }

  async getText(path: string, options: { timeoutMs?: number } = {}): Promise<string | undefined> {
    return this.#read(path, options.timeoutMs, { Accept: '*/*' });
  }

  /** A GET's body; undefined for 404, an error naming the status for any other refusal. */
  async #read(
    path: string,
    timeoutMs: number | undefined,
    headers: Record<string, string>,
  ): Promise<string | undefined> {
    const res = await this.send('GET', path, undefined, timeoutMs ?? defaultTimeoutMs, headers);
    if (res.status === 404) return undefined;
    if (res.status >= 300)
      throw new KubeApiError(statusMessage(res.status, res.body), {
        method: 'GET',
        path,
        status: res.status,
      });
    return res.body;
  }

  async post<T>(path: string, body: unknown, options: PostOptions = {}): Promise<T> {
    const res = await this.send(
      'POST',
      path,
      JSON.stringify(body),
      options.timeoutMs ?? defaultTimeoutMs,
      options.as ? { 'Impersonate-User': options.as } : {},
    );
    if (res.status >= 300)
      throw new KubeApiError(statusMessage(res.status, res.body), {
        method: 'POST',
        path,
        status: res.status,
      });
    return JSON.parse(res.body) as T;
  }
}

class KubectlRawApi implements KubeApi {
  readonly transport = 'kubectl' as const;
  constructor(private readonly kubectl: Kubectl) {}

  private static refusal(method: string, path: string, stderr: string): KubeApiError {
    return new KubeApiError(stderrReason(stderr, errorPrefix.kubectl) || 'no answer', {
      method,
      path,
      status: statusFromKubectl(stderr),
    });
  }

  async get<T>(path: string, options: { timeoutMs?: number } = {}): Promise<T | undefined> {
    announce('GET', path, this.transport);
    const result = await this.kubectl.run(['get', '--raw', path], {
      allowFailure: true,
      timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
    });
    if (result.exitCode === 0) return JSON.parse(result.stdout) as T;
    if (/\(NotFound\)/.test(result.stderr)) return undefined;
    throw KubectlRawApi.refusal('GET', path, result.stderr);
  }

  async getText(path: string, options: { timeoutMs?: number } = {}): Promise<string | undefined> {
    announce('GET', path, this.transport);
    const result = await this.kubectl.run(['get', '--raw', path], {
      allowFailure: true,
      timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
    });
    if (result.exitCode === 0) return result.stdout;
    if (/\(NotFound\)/.test(result.stderr)) return undefined;
    throw KubectlRawApi.refusal('GET', path, result.stderr);
  }

  async post<T>(path: string, body: unknown, options: PostOptions = {}): Promise<T> {
    announce('POST', path, this.transport);
    const as = options.as ? ['--as', options.as] : [];
    const result = await this.kubectl.run(['create', '--raw', path, '-f', '-', ...as], {
      allowFailure: true,
      input: JSON.stringify(body),
      timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
    });
    if (result.exitCode !== 0) throw KubectlRawApi.refusal('POST', path, result.stderr);
    return JSON.parse(result.stdout) as T;
  }
}

const byKubectl = new WeakMap<Kubectl, KubeApi>();

/** The API of the cluster this kubectl points at; one client (one connection) per target. */
export function kubeApiFor(kubectl: Kubectl, env: NodeJS.ProcessEnv = process.env): KubeApi {
  let api = byKubectl.get(kubectl);
  if (!api) {
    const connection =
      env.PREFECT_SERVER_KUBE_TRANSPORT === 'kubectl'
        ? undefined
        : resolveConnection(kubectl.clusterRef(), env);
    api =
      connection?.kind === 'direct' ? new DirectKubeApi(connection) : new KubectlRawApi(kubectl);
    byKubectl.set(kubectl, api);
  }
  return api;
}

/** `kubectl auth can-i` as one SelfSubjectAccessReview; `resource` is "plural[.group]". */
export async function canI(
  api: KubeApi,
  verb: string,
  resource: string,
  namespace: string | undefined,
  options: { as?: string; subresource?: string } = {},
): Promise<boolean> {
  const dot = resource.indexOf('.');
  const review = await api.post<{ status?: { allowed?: boolean } }>(
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          verb,
          resource: dot === -1 ? resource : resource.slice(0, dot),
          group: dot === -1 ? '' : resource.slice(dot + 1),
          ...(options.subresource ? { subresource: options.subresource } : {}),
          ...(namespace ? { namespace } : {}),
        },
      },
    },
    options.as ? { as: options.as } : {},
  );
  return review.status?.allowed === true;
}

/** A label selector as a query string. */
export function selectorQuery(selector: string): string {
  return `?labelSelector=${encodeURIComponent(selector)}`;
}
