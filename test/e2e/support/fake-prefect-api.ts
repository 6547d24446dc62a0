// A test double of Prefect Server's apollo and UI, as shared/FACTS.md describes them (the real
// images cannot run here: the test cluster's pods are kwok's, with no container runtime). A
// kwok ClusterPortForward routes the release's pods' ports 4200 and 8080 to these two servers.
//
// apollo  POST / and /graphql   create_tenant(input: {name, slug}) -> {data: {create_tenant: {id}}}
//                               a duplicate slug -> errors [{message: "Uniqueness violation."}]
//                               query { tenant { id name slug } }
//         GET /.well-known/apollo/server-health -> {"status":"pass"}
// ui      GET /settings.json -> {"server_url": ...}, GET /healthz
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { kubectl } from './cluster.js';

export interface FakeTenant {
  id: string;
  name: string;
  slug: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: string;
}

type GraphqlAnswer = { status: number; body: unknown };

function errors(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
): GraphqlAnswer {
  return { status, body: { errors: [{ message, ...extra }] } };
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
}

async function listen(server: Server, port = 0): Promise<number> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  const closed = once(server, 'close');
  server.close();
  server.closeAllConnections();
  await closed;
}

export class FakePrefectServer {
  readonly tenants: FakeTenant[] = [];
  readonly requests: RecordedRequest[] = [];
  /** What the UI's /settings.json hands browsers (the chart's default until a test changes it). */
  serverUrl = 'http://localhost:4200/graphql';
  /** When set, every GraphQL request is answered with this (a failing server). */
  failure: { status: number; message: string } | undefined;
  private api: Server | undefined;
  private ui: Server | undefined;
  apiPort = 0;
  uiPort = 0;

  static async start(): Promise<FakePrefectServer> {
    const fake = new FakePrefectServer();
    await fake.startApi();
    fake.ui = createServer((req, res) => fake.handleUi(req, res));
    fake.uiPort = await listen(fake.ui);
    return fake;
  }

  /** Starts apollo (again, on the same port when it ran before). */
  async startApi(): Promise<void> {
    this.api = createServer((req, res) => void this.handleApi(req, res));
    this.apiPort = await listen(this.api, this.apiPort);
  }

  /** Stops apollo as a crashed pod would: the port refuses connections. */
  async stopApi(): Promise<void> {
    if (this.api) await close(this.api);
    this.api = undefined;
  }

  async close(): Promise<void> {
    await Promise.all([this.stopApi(), this.ui ? close(this.ui) : undefined]);
  }

  graphqlRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST');
  }

  private handleUi(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push({ method: req.method ?? '', path: `ui:${req.url}`, body: '' });
    if (req.method === 'GET' && req.url === '/settings.json') {
      send(res, 200, { server_url: this.serverUrl });
    } else if (req.method === 'GET' && req.url === '/healthz') {
      send(res, 200, 'ok', 'text/plain');
    } else if (req.method === 'GET' && req.url === '/') {
      send(res, 200, '<!doctype html><title>Prefect</title>', 'text/html');
    } else {
      send(res, 404, 'not found', 'text/plain');
    }
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', body });
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/.well-known/apollo/server-health') {
      send(res, 200, { status: 'pass' }, 'application/health+json');
      return;
    }
    if (req.method === 'POST' && (path === '/' || path === '/graphql')) {
      const answer = this.failure
        ? errors(this.failure.status, this.failure.message)
        : this.graphql(body);
      send(res, answer.status, answer.body);
      return;
    }
    send(res, 404, 'not found', 'text/plain');
  }

  private graphql(raw: string): GraphqlAnswer {
    let request: { query?: unknown; variables?: unknown };
    try {
      request = JSON.parse(raw);
      // Apollo also takes variables as a JSON string, which is how the Prefect 1 client sends them.
      if (typeof request.variables === 'string') request.variables = JSON.parse(request.variables);
    } catch {
      return errors(400, 'POST body missing, invalid Content-Type, or JSON object has no keys.');
    }
    if (typeof request.query !== 'string') return errors(400, 'Must provide query string.');
    const query = request.query
      .replace(/#[^\n]*/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    if (/^mutation\b/.test(query) && /\bcreate_tenant\s*\(/.test(query)) {
      return this.createTenant(query, (request.variables ?? {}) as Record<string, unknown>);
    }
    const tenantSelection = query.match(
      /^(?:query\b[^{]*)?\{\s*tenant\s*(?:\([^)]*\))?\s*\{([^}]*)\}\s*\}$/,
    );
    if (tenantSelection) return this.listTenants(tenantSelection[1] ?? '');
    const field = query.match(/\{\s*(\w+)/)?.[1] ?? '?';
    return errors(
      400,
      `Cannot query field "${field}" on type "${/^mutation\b/.test(query) ? 'Mutation' : 'Query'}".`,
      {
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    );
  }

  private createTenant(query: string, variables: Record<string, unknown>): GraphqlAnswer {
    let input: { name?: unknown; slug?: unknown } | undefined;
    if (/create_tenant\s*\(\s*input\s*:\s*\$input\s*\)/.test(query)) {
      if (!/\$input\s*:\s*create_tenant_input!/.test(query)) {
        return errors(400, 'Variable "$input" is not defined by operation.');
      }
      input = variables.input as typeof input;
      if (input === undefined || input === null) {
        return errors(
          400,
          'Variable "$input" of required type "create_tenant_input!" was not provided.',
        );
      }
    } else {
      const inline = query.match(/create_tenant\s*\(\s*input\s*:\s*\{([^}]*)\}\s*\)/)?.[1] ?? '';
      input = {
        name: inline.match(/name\s*:\s*"([^"]*)"/)?.[1],
        slug: inline.match(/slug\s*:\s*"([^"]*)"/)?.[1],
      };
    }
    if (typeof input.name !== 'string' || typeof input.slug !== 'string') {
      return errors(
        400,
        'Field "create_tenant_input.name" and "create_tenant_input.slug" of required type "String!" were not provided.',
      );
    }
    if (this.tenants.some((t) => t.slug === input.slug)) {
      // What apollo relays from hasura's unique constraint on tenant.slug.
      return {
        status: 200,
        body: {
          errors: [
            {
              message: 'Uniqueness violation.',
              locations: [{ line: 1, column: 41 }],
              path: ['create_tenant'],
              extensions: { code: 'INTERNAL_SERVER_ERROR' },
            },
          ],
          data: { create_tenant: null },
        },
      };
    }
    const tenant = { id: randomUUID(), name: input.name, slug: input.slug };
    this.tenants.push(tenant);
    return { status: 200, body: { data: { create_tenant: { id: tenant.id } } } };
  }

  private listTenants(selection: string): GraphqlAnswer {
    const fields = selection.split(/[\s,]+/).filter(Boolean);
    const unknown = fields.find((f) => !['id', 'name', 'slug'].includes(f));
    if (unknown) return errors(400, `Cannot query field "${unknown}" on type "tenant".`);
    const tenants = this.tenants.map((t) =>
      Object.fromEntries(fields.map((f) => [f, t[f as keyof FakeTenant]])),
    );
    return { status: 200, body: { data: { tenant: tenants } } };
  }

  /**
   * Routes the pods' apollo (4200) and UI (8080) ports of one namespace to this process, through
   * kwok; the returned function removes the route.
   */
  async routeNamespace(namespace: string): Promise<() => Promise<void>> {
    const name = `${namespace}-fake-prefect`;
    const forward = {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterPortForward',
      metadata: { name },
      spec: {
        selector: { matchNamespaces: [namespace] },
        forwards: [
          { ports: [4200], target: { port: this.apiPort, address: '127.0.0.1' } },
          { ports: [8080], target: { port: this.uiPort, address: '127.0.0.1' } },
        ],
      },
    };
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(forward) });
    return async () => {
      await kubectl(['delete', 'clusterportforward', name, '--ignore-not-found'], {
        reject: false,
      });
    };
  }
}
