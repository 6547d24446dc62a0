// The API client over real HTTP to a tiny local server: what is retried, what is an answer.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeApiError,
  fetchUiServerUrl,
  GraphqlErrors,
  isNetworkFailure,
  PrefectApi,
} from '../../src/prefect/api-client.js';
import { RetriesExhausted } from '../../src/prefect/backoff.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let server: Server | undefined;
const received: { path: string; body: string }[] = [];

async function serve(handler: Handler): Promise<string> {
  received.length = 0;
  server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    received.push({ path: req.url ?? '', body });
    handler(req, body, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((r) => server?.close(r));
    server = undefined;
  }
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('PrefectApi', () => {
  it('sends the create_tenant mutation with its input as variables, and reads the id', async () => {
    const base = await serve((_req, _body, res) =>
      json(res, 200, { data: { create_tenant: { id: 'id-1' } } }),
    );
    const api = new PrefectApi(`${base}/graphql`, { budgetMs: 1_000 });
    expect(await api.createTenant('Data team', 'data-team')).toEqual({ created: true, id: 'id-1' });
    expect(received[0]?.path).toBe('/graphql');
    expect(JSON.parse(received[0]?.body ?? '')).toEqual({
      query: 'mutation($input: create_tenant_input!) { create_tenant(input: $input) { id } }',
      variables: { input: { name: 'Data team', slug: 'data-team' } },
    });
  });

  it('reads a duplicate slug as "exists", and other GraphQL errors as a refusal', async () => {
    let message = 'Uniqueness violation.';
    const base = await serve((_req, _body, res) =>
      json(res, 200, { errors: [{ message }], data: { create_tenant: null } }),
    );
    const api = new PrefectApi(`${base}/graphql`, { budgetMs: 1_000 });
    expect(await api.createTenant('default', 'default')).toEqual({ created: false });
    message = 'permission denied';
    const error = await api.createTenant('default', 'default').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphqlErrors);
    expect(describeApiError(error)).toBe('answered with an error: permission denied');
    expect(received).toHaveLength(2);
  });

  it('retries 5xx answers and succeeds when the server recovers', async () => {
    let calls = 0;
    const base = await serve((_req, _body, res) => {
      calls += 1;
      if (calls < 3) json(res, 503, { errors: [{ message: 'starting' }] });
      else json(res, 200, { data: { tenant: [{ id: '1', name: 'default', slug: 'default' }] } });
    });
    const retries: string[] = [];
    const api = new PrefectApi(`${base}/graphql`, {
      budgetMs: 5_000,
      onRetry: (error) => retries.push(describeApiError(error)),
    });
    expect(await api.listTenants()).toEqual([{ id: '1', name: 'default', slug: 'default' }]);
    expect(retries).toEqual(['answered HTTP 503: starting', 'answered HTTP 503: starting']);
  });

  it('does not retry a 4xx', async () => {
    const base = await serve((_req, _body, res) =>
      json(res, 400, { errors: [{ message: 'Cannot query field "x"' }] }),
    );
    const error = await new PrefectApi(`${base}/graphql`, { budgetMs: 5_000 })
      .listTenants()
      .catch((e: unknown) => e);
    expect(describeApiError(error)).toBe('answered HTTP 400: Cannot query field "x"');
    expect(isNetworkFailure(error)).toBe(false);
    expect(received).toHaveLength(1);
  });

  it('gives up on a server that is not there when the budget is spent, saying how often it tried', async () => {
    const base = await serve(() => {});
    const url = `${base}/graphql`;
    server?.close();
    server = undefined;
    const started = Date.now();
    const error = await new PrefectApi(url, { budgetMs: 600 })
      .listTenants()
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect(isNetworkFailure(error)).toBe(true);
    expect(describeApiError(error)).toMatch(
      /^did not answer \(connect ECONNREFUSED 127\.0\.0\.1:\d+\) \(\d attempts in 1 s\)$/,
    );
  });

  it('checks apollo’s health endpoint at the root of its origin', async () => {
    let healthy = true;
    const base = await serve((req, _body, res) => {
      if (req.url === '/.well-known/apollo/server-health' && healthy)
        json(res, 200, { status: 'pass' });
      else json(res, healthy ? 404 : 503, { status: 'fail' });
    });
    await new PrefectApi(`${base}/graphql`, { budgetMs: 0 }).health();
    healthy = false;
    const error = await new PrefectApi(`${base}/graphql`, { budgetMs: 0 })
      .health()
      .catch((e: unknown) => e);
    expect(describeApiError(error)).toBe(
      'answered HTTP 503 to its health check: {"status":"fail"}',
    );
  });
});

describe('fetchUiServerUrl', () => {
  it('reads server_url from the UI’s /settings.json', async () => {
    const base = await serve((req, _body, res) => {
      if (req.url === '/settings.json')
        json(res, 200, { server_url: 'http://localhost:4200/graphql' });
      else json(res, 404, {});
    });
    expect(await fetchUiServerUrl(`${base}/`, { budgetMs: 0 })).toBe(
      'http://localhost:4200/graphql',
    );
    expect(await fetchUiServerUrl(base, { budgetMs: 0 })).toBe('http://localhost:4200/graphql');
  });

  it('refuses a settings file without server_url', async () => {
    const base = await serve((_req, _body, res) => json(res, 200, { other: 1 }));
    const error = await fetchUiServerUrl(base, { budgetMs: 0 }).catch((e: unknown) => e);
    expect(describeApiError(error)).toMatch(/has no server_url/);
  });
});
