// URLs of a Prefect Server as a browser and the Prefect client see them.

/** apollo serves its health check at the root of its origin, whatever path the API has. */
export function apolloHealthUrl(apiUrl: string): string {
  return new URL('/.well-known/apollo/server-health', apiUrl).toString();
}

/**
 * A URL in the form two spellings of the same address share: WHATWG parsing lowercases scheme
 * and host and drops a default port; a trailing slash on the path is not a difference either.
 */
export function normalizeUrl(url: string): string {
  try {
    const parsed = new URL(url.trim());
    const path = parsed.pathname.replace(/\/+$/, '');
    return `${parsed.protocol}//${parsed.host}${path}${parsed.search}`;
  } catch {
    return url.trim();
  }
}

export function sameUrl(a: string, b: string): boolean {
  return normalizeUrl(a) === normalizeUrl(b);
}

/** The addresses connect hands out when it port-forwards: what a browser on this machine opens. */
export function portForwardUrls(
  apiPort: number,
  uiPort: number,
): { apiUrl: string; uiUrl: string } {
  return {
    apiUrl: `http://localhost:${apiPort}/graphql`,
    uiUrl: `http://localhost:${uiPort}/`,
  };
}

/** The same address through 127.0.0.1, for our own probes (localhost may resolve to ::1 first). */
export function loopbackUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname === 'localhost') parsed.hostname = '127.0.0.1';
  return parsed.toString();
}
