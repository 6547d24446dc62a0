// The Prefect 1.x client's own files, merged rather than replaced: ~/.prefect/config.toml is the
// user's file, so every key and comment they had survives, and only [server] host, port and
// [server.ui] apollo_url change; ~/.prefect/backend.toml gets what `prefect backend server` writes.
import { isDeepStrictEqual } from 'node:util';
import { parse, patch, stringify, TomlFormat } from '@decimalturn/toml-patch';

/** Where the Prefect client looks for Prefect Server (the keys of `[server]` in config.toml). */
export interface ClientSettings {
  host: string;
  port: string;
  apolloUrl: string;
}

/**
 * Splits the API URL into what the client config holds: the client calls `${host}:${port}` (its
 * `server.endpoint`), apollo answers GraphQL at its root as well as at /graphql.
 */
export function clientSettingsFor(apiUrl: string): ClientSettings {
  const url = new URL(apiUrl);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return { host: `${url.protocol}//${url.hostname}`, port, apolloUrl: apiUrl };
}

/** The existing file is not TOML (or not shaped as Prefect reads it): we refuse to guess. */
export class ClientConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientConfigError';
  }
}

type Table = Record<string, unknown>;

function isTable(value: unknown): value is Table {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

function parseExisting(text: string, what: string): Table {
  try {
    return parse(text) as Table;
  } catch (error) {
    throw new ClientConfigError(
      `${what} is not valid TOML (${error instanceof Error ? error.message.split('\n')[0] : String(error)}).`,
    );
  }
}

function withoutOurKeys(config: Table): Table {
  const copy = structuredClone(config);
  const server = copy.server;
  if (isTable(server)) {
    delete server.host;
    delete server.port;
    if (isTable(server.ui)) {
      delete server.ui.apollo_url;
      if (Object.keys(server.ui).length === 0) delete server.ui;
    }
    if (Object.keys(server).length === 0) delete copy.server;
  }
  return copy;
}

/** Formatting of what we add: the file's own line endings and indentation, tables as sections. */
function formatOf(text: string): TomlFormat {
  const format = TomlFormat.autoDetectFormat(text);
  // [server.ui] as a section of its own, never `ui = { ... }` inline in [server].
  format.inlineTableStart = 3;
  return format;
}

const header =
  '# The Prefect 1.x client configuration. prefect-server connect set [server] host and port\n' +
  '# and [server.ui] apollo_url; everything else here is yours.\n';

export interface MergeResult {
  text: string;
  changed: boolean;
}

/**
 * config.toml with the server settings merged in. Throws ClientConfigError when the existing
 * text is not TOML or its `server` is not a table, so a file we do not understand is never touched.
 */
export function mergeClientConfig(
  existing: string | undefined,
  settings: ClientSettings,
): MergeResult {
  const ours = { host: settings.host, port: settings.port, ui: { apollo_url: settings.apolloUrl } };
  if (existing === undefined || existing.trim() === '') {
    return { text: `${header}${renderClientConfig(settings)}`, changed: true };
  }
  const config = parseExisting(existing, 'config.toml');
  const server = config.server ?? {};
  if (!isTable(server)) {
    throw new ClientConfigError(
      'config.toml sets `server` to a value; Prefect needs it to be a [server] table.',
    );
  }
  if (server.ui !== undefined && !isTable(server.ui)) {
    throw new ClientConfigError(
      'config.toml sets `server.ui` to a value; Prefect needs it to be a [server.ui] table.',
    );
  }
  if (
    server.host === ours.host &&
    server.port === ours.port &&
    isTable(server.ui) &&
    server.ui.apollo_url === ours.ui.apollo_url
  ) {
    return { text: existing, changed: false };
  }
  const updated = structuredClone(config);
  const updatedServer = (isTable(updated.server) ? updated.server : {}) as Table;
  updated.server = {
    ...updatedServer,
    host: ours.host,
    port: ours.port,
    ui: { ...(isTable(updatedServer.ui) ? updatedServer.ui : {}), ...ours.ui },
  };
  const text = patch(existing, updated, formatOf(existing));
  // The promise to the user, checked rather than assumed: ours are set, nothing else moved.
  const reread = parseExisting(text, 'the merged config.toml');
  const rereadServer = reread.server as Table | undefined;
  if (
    rereadServer?.host !== ours.host ||
    rereadServer?.port !== ours.port ||
    (rereadServer?.ui as Table | undefined)?.apollo_url !== ours.ui.apollo_url ||
    !isDeepStrictEqual(withoutOurKeys(reread), withoutOurKeys(config))
  ) {
    throw new ClientConfigError(
      'merging into config.toml would change other settings; it was left as it is.',
    );
  }
  return { text, changed: true };
}

/** backend.toml as `prefect backend server` leaves it (other keys, if any, kept). */
export function mergeBackendConfig(existing: string | undefined): MergeResult {
  if (existing === undefined || existing.trim() === '') {
    return { text: 'backend = "server"\n', changed: true };
  }
  const config = parseExisting(existing, 'backend.toml');
  if (config.backend === 'server') return { text: existing, changed: false };
  return {
    text: patch(existing, { ...config, backend: 'server' }, formatOf(existing)),
    changed: true,
  };
}

/** The settings as a TOML fragment, for --print-config and for a new file. */
export function renderClientConfig(settings: ClientSettings): string {
  const format = TomlFormat.default();
  format.inlineTableStart = 3;
  const text = stringify(
    {
      server: { host: settings.host, port: settings.port, ui: { apollo_url: settings.apolloUrl } },
    },
    format,
  );
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** Prefect's own interpolation syntax in config.toml (not JavaScript templates). */
const interpolated = {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Prefect's syntax, matched literally
  host: '${server.host}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Prefect's syntax, matched literally
  port: '${server.port}',
};

/** Things that would make the client ignore what we wrote: say so rather than let it surprise. */
export function clientConfigWarnings(mergedText: string, env: NodeJS.ProcessEnv): string[] {
  const warnings: string[] = [];
  const server = (parse(mergedText) as Table).server as Table | undefined;
  const endpoint = server?.endpoint;
  if (
    typeof endpoint === 'string' &&
    !(endpoint.includes(interpolated.host) && endpoint.includes(interpolated.port))
  ) {
    warnings.push(
      `~/.prefect/config.toml sets [server] endpoint = "${endpoint}", which the client uses instead of host and port; remove that line to use this server.`,
    );
  }
  for (const variable of [
    'PREFECT__SERVER__HOST',
    'PREFECT__SERVER__PORT',
    'PREFECT__SERVER__ENDPOINT',
  ]) {
    if (env[variable]) {
      warnings.push(
        `${variable} is set in your environment and overrides ~/.prefect/config.toml; unset it to use this server.`,
      );
    }
  }
  if (env.PREFECT__BACKEND && env.PREFECT__BACKEND !== 'server') {
    warnings.push(
      `PREFECT__BACKEND=${env.PREFECT__BACKEND} overrides ~/.prefect/backend.toml; unset it or set it to "server".`,
    );
  }
  return warnings;
}
