// The two operations of Prefect Server's GraphQL API this CLI uses, and how an answer of apollo
// reads: data, GraphQL errors (an answer), or an HTTP failure (worth retrying when it is 5xx).

export const createTenantMutation =
  'mutation($input: create_tenant_input!) { create_tenant(input: $input) { id } }';

export const listTenantsQuery = 'query { tenant { id name slug } }';

export interface Tenant {
  id: string;
  name: string;
  slug: string;
}

export interface GraphqlError {
  message: string;
}

export interface GraphqlReply {
  data: unknown;
  errors: GraphqlError[];
}

export type ApiFailureKind = 'network' | 'server' | 'client' | 'protocol';

/**
 * A request that got no usable answer. `network` (no answer) and `server` (5xx, 429) may succeed
 * when repeated; `client` (4xx) and `protocol` (not GraphQL) will not.
 */
export class ApiFailure extends Error {
  constructor(
    readonly kind: ApiFailureKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }

  get retryable(): boolean {
    return this.kind === 'network' || this.kind === 'server';
  }
}

export function isRetryableFailure(error: unknown): boolean {
  return error instanceof ApiFailure && error.retryable;
}

function errorsOf(body: unknown): GraphqlError[] {
  if (typeof body !== 'object' || body === null) return [];
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors.map((e) => ({
    message:
      typeof e === 'object' && e !== null && typeof (e as GraphqlError).message === 'string'
        ? (e as GraphqlError).message
        : JSON.stringify(e),
  }));
}

/** The first line of a body that is not JSON (an HTML error page, a proxy's text), kept short. */
function textSummary(body: string): string {
  const text = body
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/**
 * Reads one HTTP answer of apollo. 2xx with a GraphQL body is a reply (its `errors` are the
 * server's answer, e.g. "Uniqueness violation"); anything else is an ApiFailure carrying the
 * server's own message.
 */
export function readGraphqlReply(status: number, body: string): GraphqlReply {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const errors = errorsOf(parsed);
  const serverMessage =
    errors.map((e) => e.message).join('; ') || textSummary(body) || 'empty response';
  if (status >= 500 || status === 429 || status === 408) {
    throw new ApiFailure('server', `HTTP ${status}: ${serverMessage}`, status);
  }
  if (status < 200 || status >= 300) {
    throw new ApiFailure('client', `HTTP ${status}: ${serverMessage}`, status);
  }
  if (typeof parsed !== 'object' || parsed === null || !('data' in parsed || 'errors' in parsed)) {
    throw new ApiFailure(
      'protocol',
      `the answer is not GraphQL (HTTP ${status}: ${textSummary(body) || 'empty'})`,
      status,
    );
  }
  return { data: (parsed as { data?: unknown }).data ?? null, errors };
}

/** How Prefect Server says a tenant with that slug exists already (hasura's unique constraint). */
export function isUniquenessViolation(errors: readonly GraphqlError[]): boolean {
  return errors.some((e) => /uniqueness violation/i.test(e.message));
}

export function parseCreatedTenantId(data: unknown): string {
  const id = (data as { create_tenant?: { id?: unknown } } | null)?.create_tenant?.id;
  if (typeof id !== 'string' || id === '') {
    throw new ApiFailure('protocol', `create_tenant returned no id: ${JSON.stringify(data)}`);
  }
  return id;
}

export function parseTenants(data: unknown): Tenant[] {
  const list = (data as { tenant?: unknown } | null)?.tenant;
  if (!Array.isArray(list)) {
    throw new ApiFailure('protocol', `the tenant query returned no list: ${JSON.stringify(data)}`);
  }
  return list.map((t) => ({
    id: String((t as Tenant).id),
    name: String((t as Tenant).name),
    slug: String((t as Tenant).slug),
  }));
}
