// The manual's "The UI loads but cannot connect to the API": the UI hands browsers the API URL in
// /settings.json (server_url, from the chart's ui.apolloApiUrl); it must be the URL a browser on
// this machine reaches apollo at. Deciding that, and the command that fixes it, is pure.
import { normalizeUrl, sameUrl } from '../prefect/urls.js';
import { commandLine, type ReleaseTarget, targetFlags } from './release-flags.js';

/** A release on a cluster, as the flags name it. */
export type ClusterRef = ReleaseTarget;

export type UiApiCheck = { ok: true } | { ok: false; message: string; fixes: string[] };

/**
 * Compares the UI's server_url with the API URL browsers will use. When they differ, the fixes
 * are: upgrade the release so the UI hands out the right URL; and, when the UI expects the API on
 * another local port, forwarding it there instead.
 */
export function checkUiApiUrl(
  serverUrl: string,
  apiUrl: string,
  ref: ClusterRef,
  mode: 'port-forward' | 'external',
): UiApiCheck {
  if (sameUrl(serverUrl, apiUrl)) return { ok: true };
  const fixes = [
    commandLine(['prefect-server', 'upgrade', ...targetFlags(ref), '--api-url', apiUrl]),
  ];
  let expected: URL | undefined;
  try {
    expected = new URL(serverUrl);
  } catch {
    expected = undefined;
  }
  const api = new URL(apiUrl);
  if (
    mode === 'port-forward' &&
    expected &&
    ['localhost', '127.0.0.1'].includes(expected.hostname) &&
    expected.protocol === 'http:' &&
    expected.port !== '' &&
    expected.port !== api.port &&
    normalizeUrl(`${expected.origin}${api.pathname}`) === normalizeUrl(serverUrl)
  ) {
    fixes.push(
      commandLine(['prefect-server', 'connect', ...targetFlags(ref), '--api-port', expected.port]),
    );
  }
  return {
    ok: false,
    message: `The UI will not reach the API: its /settings.json gives browsers server_url ${serverUrl}, but the API is at ${apiUrl}${mode === 'external' ? ' (if that host is a DNS name for this address, this is fine)' : ''}.`,
    fixes,
  };
}
