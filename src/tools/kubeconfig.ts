// How to reach the API server of one kubeconfig context without kubectl: the server address, the
// TLS material and the credentials, read the way kubectl reads them. Anything this reader does not
// handle (exec plugins, auth providers, proxies, in-cluster config) is reported as unsupported so
// the caller keeps using kubectl for that cluster rather than guessing.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import type { ClusterTarget } from './kubectl.js';

export interface DirectConnection {
  kind: 'direct';
  context: string;
  /** https://host:port, possibly with a path prefix (e.g. a Rancher proxy) */
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  basicAuth?: string;
  insecure: boolean;
  tlsServerName?: string;
}

export type Connection = DirectConnection | { kind: 'unsupported'; reason: string };

/** A named entry of a kubeconfig list (clusters, users, contexts). */
type Entry = { name?: string } & Record<string, unknown>;

interface KubeconfigFile {
  path: string;
  config: {
    'current-context'?: string;
    clusters?: (Entry & { cluster?: Record<string, unknown> })[];
    users?: (Entry & { user?: Record<string, unknown> })[];
    contexts?: (Entry & { context?: Record<string, unknown> })[];
  };
}

/** The kubeconfig files in kubectl's order: --kubeconfig, else $KUBECONFIG (':'), else ~/.kube/config. */
export function kubeconfigFiles(target: ClusterTarget, env: NodeJS.ProcessEnv): string[] {
  if (target.kubeconfig) return [target.kubeconfig];
  const fromEnv = (env.KUBECONFIG ?? '').split(':').filter(Boolean);
  return fromEnv.length > 0 ? fromEnv : [join(homedir(), '.kube', 'config')];
}

function readKubeconfigs(files: string[]): KubeconfigFile[] {
  const loaded: KubeconfigFile[] = [];
  for (const path of files) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // kubectl skips missing files in $KUBECONFIG too
    }
    loaded.push({ path, config: (parse(text) as KubeconfigFile['config']) ?? {} });
  }
  return loaded;
}

/** kubectl's merge rule: the first file that defines a name wins. */
function findNamed<T extends Entry>(
  files: KubeconfigFile[],
  list: (c: KubeconfigFile['config']) => T[] | undefined,
  name: string,
): { entry: T; file: string } | undefined {
  for (const file of files) {
    const entry = list(file.config)?.find((e) => e.name === name);
    if (entry) return { entry, file: file.path };
  }
  return undefined;
}

function fileOrData(
  entry: Record<string, unknown>,
  key: string,
  baseFile: string,
): Buffer | undefined {
  const data = entry[`${key}-data`];
  if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64');
  const path = entry[key];
  if (typeof path === 'string' && path !== '') {
    // Relative paths in a kubeconfig are relative to the file that names them.
    return readFileSync(isAbsolute(path) ? path : join(dirname(baseFile), path));
  }
  return undefined;
}

/**
 * The context a kubeconfig target names and its cluster, read the way `kubectl config view
 * --minify` reads them (no kubectl start); a target that names none says why in kubectl's words.
 */
export function kubeconfigContext(
  target: ClusterTarget,
  env: NodeJS.ProcessEnv = process.env,
): { name: string; cluster: string | undefined } | { error: string } {
  let files: KubeconfigFile[];
  try {
    files = readKubeconfigs(kubeconfigFiles(target, env));
  } catch (error) {
    return { error: `error loading config file: ${(error as Error).message}` };
  }
  const name = target.context ?? files.map((f) => f.config['current-context']).find(Boolean);
  if (!name) return { error: 'current-context must exist in order to minify' };
  const context = findNamed(files, (c) => c.contexts, name)?.entry.context;
  if (!context) return { error: `cannot locate context ${name}` };
  return { name, cluster: typeof context.cluster === 'string' ? context.cluster : undefined };
}

const proxyVariables = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

export function resolveConnection(
  target: ClusterTarget,
  env: NodeJS.ProcessEnv = process.env,
): Connection {
  const unsupported = (reason: string): Connection => ({ kind: 'unsupported', reason });
  // Node's https does not honour proxy variables; kubectl does, so it keeps those clusters.
  const proxy = proxyVariables.find((v) => env[v]);
  if (proxy) return unsupported(`${proxy} is set`);
  const files = readKubeconfigs(kubeconfigFiles(target, env));
  if (files.length === 0) return unsupported('no kubeconfig file');
  const contextName = target.context ?? files.map((f) => f.config['current-context']).find(Boolean);
  if (!contextName) return unsupported('no current context');
  const context = findNamed(files, (c) => c.contexts, contextName)?.entry.context;
  if (!context) return unsupported(`context ${contextName} not found`);
  const cluster = findNamed(files, (c) => c.clusters, String(context.cluster ?? ''));
  const user = findNamed(files, (c) => c.users, String(context.user ?? ''));
  const c = cluster?.entry.cluster;
  if (!cluster || !c || typeof c.server !== 'string') return unsupported('no cluster server');
  if (!c.server.startsWith('https://')) return unsupported('server is not https');
  if (c['proxy-url']) return unsupported('proxy-url is set');
  const u = user?.entry.user ?? {};
  if (u.exec || u['auth-provider']) return unsupported('credentials come from a plugin');
  if (u.as || u['as-uid'] || u['as-groups'] || u['as-user-extra'])
    return unsupported('the user impersonates another');
  try {
    const userFile = user?.file ?? cluster.file;
    const token =
      typeof u.token === 'string' && u.token !== ''
        ? u.token
        : typeof u.tokenFile === 'string'
          ? readFileSync(u.tokenFile, 'utf8').trim()
          : undefined;
    const connection: DirectConnection = {
      kind: 'direct',
      context: contextName,
      server: c.server.replace(/\/+$/, ''),
      ca: fileOrData(c, 'certificate-authority', cluster.file),
      cert: fileOrData(u, 'client-certificate', userFile),
      key: fileOrData(u, 'client-key', userFile),
      token,
      insecure: c['insecure-skip-tls-verify'] === true,
      tlsServerName: typeof c['tls-server-name'] === 'string' ? c['tls-server-name'] : undefined,
    };
    if (typeof u.username === 'string' && typeof u.password === 'string')
      connection.basicAuth = Buffer.from(`${u.username}:${u.password}`).toString('base64');
    return connection;
  } catch (error) {
    return unsupported(`a file it names cannot be read: ${(error as Error).message}`);
  }
}
