// HTTP to apollo and the UI with Node's fetch: every call bounded in time, network failures and
// 5xx retried with backoff inside a budget, and what finally failed told in the server's words.
import { apiBackoff, RetriesExhausted, retryWithin } from './backoff.js';
import {
  ApiFailure,
  createTenantMutation,
  type GraphqlReply,
  isRetryableFailure,
  isUniquenessViolation,
  listTenantsQuery,
  parseCreatedTenantId,
  parseTenants,
  readGraphqlReply,
  type Tenant,
} from './graphql.js';
import { apolloHealthUrl } from './urls.js';

export interface ApiCallOptions {
  /** How long to keep retrying network failures and 5xx answers. */
  budgetMs: number;
  /** One request's limit (capped by what is left of the budget, but never under 2 s). */
  requestTimeoutMs?: number;
  onRetry?: (error: unknown, delayMs: number, attempt: number) => void;
  /** Ctrl-C: ends the request under way and every retry (release/api-access.ts passes it). */
  signal?: AbortSignal | undefined;
}

/** What fetch's "fetch failed" hides: the cause, e.g. ECONNREFUSED or "other side closed". */
export function describeNetworkError(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return 'no answer in time';
  }
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string }) : {};
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.message : String(error);
}

async function fetchText(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  stop?: AbortSignal,
): Promise<{ status: number; body: string }> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, {
      ...init,
      signal: stop ? AbortSignal.any([timeout, stop]) : timeout,
    });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    throw new ApiFailure('network', describeNetworkError(error));
  }
}

async function withRetries<T>(
  options: ApiCallOptions,
  call: (timeoutMs: number) => Promise<T>,
): Promise<T> {
  return retryWithin((_attempt, remaining) => call(requestTimeout(options, remaining)), {
    budgetMs: options.budgetMs,
    policy: apiBackoff,
    isRetryable: isRetryableFailure,
    onRetry: options.onRetry,
    signal: options.signal,
  });
}

function requestTimeout(options: ApiCallOptions, remainingMs: number): number {
  return Math.max(2_000, Math.min(options.requestTimeoutMs ?? 10_000, remainingMs));
}

export class PrefectApi {
  constructor(
    readonly apiUrl: string,
    private readonly options: ApiCallOptions,
  ) {}

  /** POST one GraphQL operation; resolves with the reply (its errors included), or throws. */
  graphql(query: string, variables?: Record<string, unknown>): Promise<GraphqlReply> {
    return withRetries(this.options, async (timeoutMs) => {
      const { status, body } = await fetchText(
        this.apiUrl,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(variables === undefined ? { query } : { query, variables }),
        },
        timeoutMs,
        this.options.signal,
      );
      return readGraphqlReply(status, body);
    });
  }

  /** Creates a tenant; an existing slug is reported, not thrown (it is the state the user wants). */
  async createTenant(
    name: string,
    slug: string,
  ): Promise<{ created: true; id: string } | { created: false }> {
    const reply = await this.graphql(createTenantMutation, { input: { name, slug } });
    if (isUniquenessViolation(reply.errors)) return { created: false };
    if (reply.errors.length > 0) throw graphqlErrors(reply);
    return { created: true, id: parseCreatedTenantId(reply.data) };
  }

  async listTenants(): Promise<Tenant[]> {
    const reply = await this.graphql(listTenantsQuery);
    if (reply.errors.length > 0) throw graphqlErrors(reply);
    return parseTenants(reply.data);
  }

  /** apollo's own health endpoint: it answers once apollo reached the graphql service. */
  async health(): Promise<void> {
    await withRetries(this.options, async (timeoutMs) => {
      const { status, body } = await fetchText(
        apolloHealthUrl(this.apiUrl),
        {},
        timeoutMs,
        this.options.signal,
      );
      if (status !== 200) {
        throw new ApiFailure(
          status >= 500 ? 'server' : 'client',
          `HTTP ${status} to its health check${body.trim() ? `: ${body.trim().slice(0, 200)}` : ''}`,
          status,
        );
      }
    });
  }
}

/** The request got no answer at all (possibly after retries). */
export function isNetworkFailure(error: unknown): boolean {
  const last = error instanceof RetriesExhausted ? error.lastError : error;
  return last instanceof ApiFailure && last.kind === 'network';
}

/** GraphQL errors in an answer: the server understood and refused; its message is the news. */
export class GraphqlErrors extends Error {
  constructor(readonly messages: string[]) {
    super(messages.join('; '));
    this.name = 'GraphqlErrors';
  }
}

function graphqlErrors(reply: GraphqlReply): GraphqlErrors {
  return new GraphqlErrors(reply.errors.map((e) => e.message));
}

/** The UI's `/settings.json`: the API URL it hands to browsers, as `server_url`. */
export async function fetchUiServerUrl(uiUrl: string, options: ApiCallOptions): Promise<string> {
  const url = new URL('settings.json', uiUrl.endsWith('/') ? uiUrl : `${uiUrl}/`).toString();
  return withRetries(options, async (timeoutMs) => {
    const { status, body } = await fetchText(url, {}, timeoutMs);
    if (status !== 200) {
      throw new ApiFailure(
        status >= 500 ? 'server' : 'client',
        `${url} answered HTTP ${status}`,
        status,
      );
    }
    let serverUrl: unknown;
    try {
      serverUrl = (JSON.parse(body) as { server_url?: unknown }).server_url;
    } catch {
      serverUrl = undefined;
    }
    if (typeof serverUrl !== 'string') {
      throw new ApiFailure('protocol', `${url} has no server_url: ${body.slice(0, 200)}`);
    }
    return serverUrl;
  });
}

/**
 * What went wrong with an API call, as the end of a sentence about the API: "did not answer
 * (connect ECONNREFUSED ...)", "answered HTTP 503: <the server's message>"; with the attempts.
 */
export function describeApiError(error: unknown): string {
  if (error instanceof RetriesExhausted) {
    if (error.attempts === 1) return describeApiError(error.lastError);
    const seconds = Math.max(1, Math.round(error.elapsedMs / 1000));
    return `${describeApiError(error.lastError)} (${error.attempts} attempts in ${seconds} s)`;
  }
  if (error instanceof ApiFailure) {
    if (error.kind === 'network') return `did not answer (${error.message})`;
    if (error.kind === 'protocol')
      return `gave an answer this CLI does not understand: ${error.message}`;
    return `answered ${error.message}`;
  }
  if (error instanceof GraphqlErrors) return `answered with an error: ${error.message}`;
  return `failed: ${error instanceof Error ? error.message : String(error)}`;
}
