// `prefect-server doctor` on a release installed by the real CLI, whose database is a real
// PostgreSQL server on 127.0.0.1 and whose apollo and UI are a small local double of Prefect's API
// (it cannot run here), both reached through kwok port-forwards exactly as on a real cluster.
// Every check passes on the healthy install; then each is broken in turn, on the real state, and
// put back.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { cliEnv, repoRoot, runCli } from './support/cli.js';
import {
  createNamespace,
  eventually,
  kubeconfig,
  kubectl,
  kubectlJson,
} from './support/cluster.js';
import { createHasuraDatabase, startPostgres, type TestPostgres } from './support/postgres.js';

const [helm, helm4] = helms();
if (!helm || !helm4) throw new Error('no helm to test with');

interface CheckJson {
  id: string;
  category: string;
  title: string;
  status: 'pass' | 'warn' | 'fail';
  message: string;
  hint: string | null;
  details: string[];
}

// ---- a tiny JSON Schema validator: the keywords doctor-output.schema.json uses ----------------

type Schema = Record<string, unknown>;
const outputSchema = JSON.parse(
  readFileSync(join(repoRoot, 'src/doctor/doctor-output.schema.json'), 'utf8'),
) as Schema;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Every way `value` breaks `schema`, as "path: reason"; [] when it conforms. */
function validate(value: unknown, schema: Schema, root: Schema = schema, path = '$'): string[] {
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, key) => (node as Schema)[key], root);
    return validate(value, target as Schema, root, path);
  }
  const errors: string[] = [];
  if ('const' in schema && value !== schema.const)
    errors.push(`${path}: must be ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    errors.push(`${path}: not one of ${schema.enum.join(', ')}`);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
      return [...errors, `${path}: is ${actual}, not ${types.join(' or ')}`];
    }
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      errors.push(`${path}: too short`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value))
      errors.push(`${path}: does not match ${schema.pattern}`);
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => {
      errors.push(...validate(item, schema.items as Schema, root, `${path}[${i}]`));
    });
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[])
      if (!(key in object)) errors.push(`${path}: missing ${key}`);
    for (const [key, child] of Object.entries(object)) {
      if (properties[key]) errors.push(...validate(child, properties[key], root, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected ${key}`);
    }
  }
  return errors;
}

// ---- a double of apollo and the UI -------------------------------------------------------------

const api = {
  healthy: true,
  tenants: [{ id: 't1', name: 'default', slug: 'default' }] as object[],
  serverUrl: 'http://localhost:4200/graphql',
};

function prefectDouble(): Server {
  return createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/apollo/server-health')
      return send(api.healthy ? 200 : 503, { status: api.healthy ? 'pass' : 'fail' });
    if (req.url === '/settings.json') return send(200, { server_url: api.serverUrl });
    if (req.url === '/graphql' && req.method === 'POST') {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const query = String(JSON.parse(body).query);
        if (/tenant\s*\{/.test(query)) send(200, { data: { tenant: api.tenants } });
        else send(400, { errors: [{ message: `unexpected query ${query}` }] });
      });
      return;
    }
    send(404, { error: req.url });
  });
}

// ---- the release under test -------------------------------------------------------------------

let ns: { name: string; remove: () => Promise<void> };
let postgres: TestPostgres | undefined;
let double: Server | undefined;
let dir: string;
let agentLog: string;
let secretPassword: string;
const forwardName = () => `${ns.name}-doctor`;

/** A container log as the kubelet stores it (CRI format), which is what kwok's Logs serves. */
const criLog = (text: string) =>
  text
    .split('\n')
    .filter((line, i, all) => i < all.length - 1 || line !== '')
    .map((line) => `2026-01-01T12:00:00.000000000Z stdout F ${line}`)
    .join('\n')
    .concat('\n');

const healthyAgentLog = criLog(
  '[2026-01-01 12:00:00,000] INFO - agent | Waiting for flow runs...\n',
);
const tenantlessAgentLog =
  criLog(`[2020-11-13 19:16:02,083] ERROR - agent | 400 Client Error: Bad Request for url: http://prefect-server-apollo.default:4200/graphql

This is likely caused by a poorly formatted GraphQL query or mutation. GraphQL sent:

query {
    mutation($input: get_runs_in_queue_input!) {
            get_runs_in_queue(input: $input) {
variables {
    {"input": {"before": "2020-11-13T19:16:01.973734+00:00", "labels": [], "tenant_id": null}}
`);

async function doctor(args: string[], env: Record<string, string> = {}) {
  const started = Date.now();
  const result = await runCli(
    helm as NonNullable<typeof helm>,
    ['doctor', '-n', ns.name, ...args],
    {
      env: cliEnv(helm as NonNullable<typeof helm>, env),
    },
  );
  return {
    ...result,
    seconds: (Date.now() - started) / 1000,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
  };
}

async function doctorJson(args: string[], env: Record<string, string> = {}) {
  const result = await doctor([...args, '--output', 'json'], env);
  const json = JSON.parse(result.stdout) as {
    schemaVersion: number;
    ok: boolean;
    checks: CheckJson[];
  };
  expect(validate(json, outputSchema)).toEqual([]);
  const check = (id: string) => {
    const found = json.checks.find((c) => c.id === id);
    if (!found) throw new Error(`no check ${id} in ${json.checks.map((c) => c.id).join(', ')}`);
    return found;
  };
  return { ...result, json, check };
}

beforeAll(async () => {
  ns = await createNamespace('e2e-doctor');
  dir = await mkdtemp(join(tmpdir(), 'doctor-e2e-'));
  agentLog = join(dir, 'agent.log');
  await writeFile(agentLog, healthyAgentLog);
  postgres = await startPostgres();
  double = prefectDouble();
  double.listen(0, '127.0.0.1');
  await once(double, 'listening');
  const apiPort = (double.address() as AddressInfo).port;

  // The pods' ports, as kwok's kubelet forwards them: the database to PostgreSQL, apollo and the UI
  // to the double.
  const forward = {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'ClusterPortForward',
    metadata: { name: forwardName() },
    spec: {
      selector: { matchNamespaces: [ns.name] },
      forwards: [
        { ports: [5432], target: { port: postgres.port, address: '127.0.0.1' } },
        { ports: [4200, 8080], target: { port: apiPort, address: '127.0.0.1' } },
      ],
    },
  };
  await kubectl(['apply', '-f', '-'], { input: JSON.stringify(forward) });

  const install = await runCli(helm, ['install', '--yes', '-n', ns.name, '--agent']);
  expect(install.stderr).toBe('');
  expect(install.exitCode).toBe(0);

  // The database gets the password the chart put in the Secret, as the real one would at first start.
  const secret = await kubectlJson(['get', 'secret', 'prefect-server-postgresql', '-n', ns.name]);
  secretPassword = Buffer.from(secret.data['postgresql-password'], 'base64').toString('utf8');
  await createHasuraDatabase(postgres, {
    user: 'prefect',
    password: secretPassword,
    database: 'prefect',
  });

  // kubectl logs of the agent's pod returns this file.
  const agentPod = await eventually('the agent pod', async () => {
    const pods = await kubectlJson([
      'get',
      'pods',
      '-n',
      ns.name,
      '-l',
      'app.kubernetes.io/component=agent',
    ]);
    return pods.items[0]?.metadata.name as string | undefined;
  });
  const logs = {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Logs',
    metadata: { name: agentPod, namespace: ns.name },
    spec: { logs: [{ containers: ['agent'], logsFile: agentLog, follow: false }] },
  };
  await kubectl(['apply', '-f', '-'], { input: JSON.stringify(logs) });
  // kwok picks the Logs object up through a watch: wait until kubectl logs serves the file.
  await eventually('the agent log served by kwok', async () => {
    const result = await kubectl(['logs', agentPod, '-c', 'agent', '-n', ns.name], {
      reject: false,
    });
    return String(result.stdout).includes('Waiting for flow runs') ? true : undefined;
  });
});

afterAll(async () => {
  await kubectl(['delete', 'clusterportforward', forwardName(), '--ignore-not-found'], {
    reject: false,
  });
  await postgres?.stop();
  double?.close();
  await ns?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('doctor on a healthy install', () => {
  it('every check passes but the volume warning of a default install, exit 0, in a report grouped by category', async () => {
    const result = await doctor([]);
    // Measured, not asserted: the speed goal is checked by a benchmark.
    console.log(`doctor on a healthy install took ${result.seconds.toFixed(2)} s`);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    for (const category of [
      'tools',
      'cluster',
      'permissions',
      'release',
      'workloads',
      'database',
      'api',
      'agent',
      'exposure',
    ])
      expect(result.stdout).toContain(`\n${category}\n`);
    // A default install keeps the bundled database without a volume (--db-persistence is off):
    // the one warning, with its fix.
    expect(result.stdout.match(/^[!✗].*$/gm)).toEqual([
      '! the bundled database keeps its data on a volume: the bundled database has no volume (StatefulSet prefect-server-postgresql, data in an emptyDir): data is lost when the pod goes (a restart, an eviction, a node drain)',
    ]);
    expect(result.stdout).toContain(
      `--db-persistence, then prefect-server restore prefect.dump -n ${ns.name}`,
    );
    expect(result.stdout).toContain(
      "✓ the database accepts the Secret's password: logged in through a port-forward to service prefect-server-postgresql (PostgreSQL",
    );
    expect(result.stdout).toContain('✓ at least one tenant exists: 1 tenant: default');
    // The test database has no Prefect tables (nothing ran graphql's migrations).
    expect(result.stdout).toContain(
      '✓ the log table is not large: there is no log table yet (graphql creates it at its first start)',
    );
    expect(result.stdout).toMatch(/Status: \d+ passed, 1 warning, 0 failed/);
  });

  it('--output json follows its schema, every check passing but the volume warning', async () => {
    const { json, exitCode } = await doctorJson([]);
    expect(exitCode).toBe(0);
    expect(json.ok).toBe(true);
    expect(json.checks.filter((c) => c.status !== 'pass').map((c) => [c.id, c.status])).toEqual([
      ['database-volume', 'warn'],
    ]);
    expect(json.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        'tools-helm',
        'cluster-reachable',
        'permissions-create',
        'release-status',
        'workloads-available',
        'database-hdb-catalog',
        'database-volume',
        'database-log-table',
        'api-tenant',
        'agent-rbac',
        'exposure-ingress-class',
      ]),
    );
  });

  it('--category runs only those categories', async () => {
    const { json } = await doctorJson(['--category', 'database', '--category', 'agent']);
    expect([...new Set(json.checks.map((c) => c.category))]).toEqual(['database', 'agent']);
  });

  it('the tools and release checks pass with helm 4 too', async () => {
    const h = helm4 as NonNullable<typeof helm4>;
    const result = await runCli(
      h,
      ['doctor', '-n', ns.name, '--category', 'tools,release', '--output', 'json'],
      {
        env: cliEnv(h),
      },
    );
    const json = JSON.parse(String(result.stdout)) as { checks: CheckJson[] };
    expect(validate(json, outputSchema)).toEqual([]);
    expect(json.checks.map((c) => [c.id, c.status])).toEqual([
      ['tools-helm', 'pass'],
      ['tools-kubectl', 'pass'],
      ['tools-gpg', 'pass'],
      ['tools-version-skew', 'pass'],
      ['release-exists', 'pass'],
      ['release-status', 'pass'],
      ['release-chart', 'pass'],
      ['release-values', 'pass'],
    ]);
    expect(json.checks[0]?.message).toMatch(/^helm v4\./);
    expect(result.exitCode).toBe(0);
  });
});

describe('database checks on a real PostgreSQL server', () => {
  it('a wrong password (the persisted-volume case) fails with the two ways out, never printing it', async () => {
    await postgres?.sql(
      `ALTER ROLE prefect PASSWORD ${postgres.literal('the-password-the-volume-kept')}`,
    );
    try {
      const text = await doctor(['--category', 'database']);
      expect(text.exitCode).toBe(1);
      expect(text.stdout).toContain(
        '✗ the database accepts the Secret\'s password: the database refuses the password for user prefect (password authentication failed for user "prefect")',
      );
      expect(text.stdout).toContain(
        `1. Put the password the database has into the Secret (PASSWORD_FILE holds it): kubectl create secret generic prefect-server-postgresql -n ${ns.name}`,
      );
      expect(text.stdout).toContain(
        `2. Or give the database the Secret's password (the pod has it as POSTGRES_PASSWORD): kubectl exec -n ${ns.name} prefect-server-postgresql-0 --`,
      );
      expect(text.stdout).toContain(
        '! extensions pgcrypto and pg_trgm are installed: skipped: doctor could not log in',
      );
      // The database category: the Secret, the login, extensions, hdb_catalog, the volume, the log table.
      expect(text.stderr).toContain('Error: 1 of 6 checks failed: database-login');
      expect(`${text.stdout}${text.stderr}`).not.toContain(secretPassword);
    } finally {
      await postgres?.sql(`ALTER ROLE prefect PASSWORD ${postgres.literal(secretPassword)}`);
    }
  });

  it('a missing extension fails with the CREATE EXTENSION to run', async () => {
    await postgres?.sql('DROP EXTENSION pg_trgm', 'prefect');
    try {
      const { check, exitCode } = await doctorJson(['--category', 'database']);
      expect(exitCode).toBe(1);
      expect(check('database-extensions')).toMatchObject({
        status: 'fail',
        message:
          'extension pg_trgm is not installed in database prefect: hasura needs pgcrypto and pg_trgm',
        hint: `Install it: kubectl exec -n ${ns.name} prefect-server-postgresql-0 -- psql -U prefect -d prefect -c 'CREATE EXTENSION IF NOT EXISTS pg_trgm;'`,
      });
      expect(check('database-login').status).toBe('pass');
    } finally {
      await postgres?.sql('CREATE EXTENSION IF NOT EXISTS pg_trgm', 'prefect');
    }
  });

  it('hdb_catalog owned by another role fails; the printed ALTER ... OWNER TO fixes it', async () => {
    await postgres?.sql('CREATE ROLE hasura_before_upgrade NOLOGIN');
    await postgres?.sql('ALTER SCHEMA hdb_catalog OWNER TO hasura_before_upgrade', 'prefect');
    await postgres?.sql(
      'ALTER FUNCTION hdb_catalog.insert_event_log OWNER TO hasura_before_upgrade',
      'prefect',
    );
    const broken = await doctorJson(['--category', 'database']);
    expect(broken.exitCode).toBe(1);
    const check = broken.check('database-hdb-catalog');
    expect(check.status).toBe('fail');
    expect(check.message).toContain('schema hdb_catalog is owned by hasura_before_upgrade');
    expect(check.message).toContain(
      'function hdb_catalog.insert_event_log is owned by hasura_before_upgrade',
    );
    // Run the SQL of the hint (kwok runs no container to exec into; the server is the same).
    const sql = check.hint?.match(/-c '([^']+)'/)?.[1];
    expect(sql).toBe(
      'ALTER SCHEMA hdb_catalog OWNER TO prefect; ALTER FUNCTION hdb_catalog.insert_event_log OWNER TO prefect;',
    );
    await postgres?.sql(sql as string, 'prefect');
    const fixed = await doctorJson(['--category', 'database']);
    expect(fixed.check('database-hdb-catalog')).toMatchObject({
      status: 'pass',
      message: 'prefect owns schema hdb_catalog and function insert_event_log',
    });
    expect(fixed.exitCode).toBe(0);
  });

  it('--database-url reaches an external database directly; the password from PGPASSWORD or the Secret', async () => {
    const url = `postgresql://prefect@127.0.0.1:${postgres?.port}/prefect`;
    const fromEnv = await doctorJson(['--category', 'database', '--database-url', url], {
      PGPASSWORD: secretPassword,
    });
    expect(fromEnv.check('database-login')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining(`logged in at ${url} (--database-url)`),
    });
    expect(fromEnv.exitCode).toBe(0);
    const fromSecret = await doctorJson(['--category', 'database', '--database-url', url]);
    expect(fromSecret.check('database-login').status).toBe('pass');
    const wrong = await doctorJson(['--category', 'database', '--database-url', url], {
      PGPASSWORD: 'wrong',
    });
    expect(wrong.check('database-login').status).toBe('fail');
    expect(wrong.check('database-login').details[1]).toContain("ALTER USER prefect PASSWORD '...'");
  });

  it("a Secret holding only the other era's key fails naming both keys and their eras", async () => {
    const patch = (ops: object[]) =>
      kubectl([
        'patch',
        'secret',
        'prefect-server-postgresql',
        '-n',
        ns.name,
        '--type',
        'json',
        '-p',
        JSON.stringify(ops),
      ]);
    const encoded = Buffer.from(secretPassword).toString('base64');
    // The pods of our chart (no era keys in the values) read postgres-password, the key of the
    // 2022.09 releases; leave only the key the releases up to 2022.04.14 read.
    await patch([
      { op: 'remove', path: '/data/postgres-password' },
      { op: 'remove', path: '/data/password' },
    ]);
    try {
      const { check, exitCode } = await doctorJson(['--category', 'database']);
      expect(exitCode).toBe(1);
      expect(check('database-secret')).toMatchObject({
        status: 'fail',
        message:
          'Secret prefect-server-postgresql holds the password under postgresql-password (the key charts up to 2022.04.14 read), but the pods read postgres-password (the key charts from 2022.09.07 read)',
      });
      expect(check('database-secret').hint).toContain(
        `jq '.data["postgres-password"] = .data["postgresql-password"]'`,
      );
      expect(check('database-login').status).toBe('warn');
    } finally {
      await patch([
        { op: 'add', path: '/data/postgres-password', value: encoded },
        { op: 'add', path: '/data/password', value: encoded },
      ]);
    }
  });
});

describe('api and agent checks', () => {
  it('no tenant: the manual’s symptoms and `prefect-server tenant create`', async () => {
    const saved = api.tenants;
    api.tenants = [];
    try {
      const { check, exitCode } = await doctorJson(['--category', 'api']);
      expect(exitCode).toBe(1);
      expect(check('api-tenant')).toMatchObject({
        status: 'fail',
        hint: `Create one: prefect-server tenant create -n ${ns.name}`,
      });
    } finally {
      api.tenants = saved;
    }
  });

  it('apollo unhealthy fails its health check and skips the tenant check', async () => {
    api.healthy = false;
    try {
      const { check } = await doctorJson(['--category', 'api']);
      expect(check('api-health')).toMatchObject({
        status: 'fail',
        message: 'apollo\'s health check answered HTTP 503: {"status":"fail"}',
      });
      expect(check('api-tenant')).toMatchObject({
        status: 'warn',
        message: 'skipped: apollo is not healthy (see above)',
      });
    } finally {
      api.healthy = true;
    }
  });

  it('a server_url only the cluster resolves fails with the --api-url fix', async () => {
    api.serverUrl = `http://prefect-server-apollo.${ns.name}.svc:4200/graphql`;
    try {
      const { check } = await doctorJson(['--category', 'api']);
      expect(check('api-ui-settings')).toMatchObject({
        status: 'fail',
        hint: `Point the UI at an address your browser reaches: prefect-server upgrade -n ${ns.name} --api-url http://localhost:4200/graphql`,
      });
    } finally {
      api.serverUrl = 'http://localhost:4200/graphql';
    }
  });

  it('the agent log’s 400 Client Error on get_runs_in_queue fails with the tenant hint', async () => {
    await writeFile(agentLog, tenantlessAgentLog);
    try {
      const { check } = await doctorJson(['--category', 'agent']);
      expect(check('agent-log')).toMatchObject({
        status: 'fail',
        message:
          'the agent\'s log has 1 "400 Client Error" on get_runs_in_queue: there is no tenant',
        hint: `Create one (the agent recovers by itself): prefect-server tenant create -n ${ns.name}`,
      });
    } finally {
      await writeFile(agentLog, healthyAgentLog);
    }
  });

  it('an agent whose ServiceAccount may not create Jobs fails (auth can-i --as)', async () => {
    const binding = await kubectlJson([
      'get',
      'rolebinding',
      'prefect-server-agent-role-binding',
      '-n',
      ns.name,
    ]);
    await kubectl(['delete', 'rolebinding', 'prefect-server-agent-role-binding', '-n', ns.name]);
    try {
      const { check } = await doctorJson(['--category', 'agent']);
      expect(check('agent-rbac')).toMatchObject({
        status: 'fail',
        message: `ServiceAccount prefect-server-serviceaccount may not create Jobs in ${ns.name}: the agent cannot start flow runs`,
      });
      expect(check('agent-rbac').hint).toContain(`prefect-server upgrade -n ${ns.name}`);
    } finally {
      const {
        resourceVersion: _r,
        uid: _u,
        creationTimestamp: _c,
        managedFields: _m,
        ...metadata
      } = binding.metadata;
      await kubectl(['apply', '-f', '-'], { input: JSON.stringify({ ...binding, metadata }) });
    }
    const { check } = await doctorJson(['--category', 'agent']);
    expect(check('agent-rbac').status).toBe('pass');
  });
});

describe('a restricted kubeconfig', () => {
  it('a user who may only view: permissions fail, what doctor cannot read is a warning saying why', async () => {
    await kubectl(['create', 'serviceaccount', 'viewer', '-n', ns.name]);
    await kubectl([
      'create',
      'rolebinding',
      'viewer-view',
      '--clusterrole=view',
      `--serviceaccount=${ns.name}:viewer`,
      '-n',
      ns.name,
    ]);
    const token = String(
      (await kubectl(['create', 'token', 'viewer', '-n', ns.name])).stdout,
    ).trim();
    const admin = readFileSync(kubeconfig(), 'utf8');
    const server = admin.match(/server: (\S+)/)?.[1];
    const ca = admin.match(/certificate-authority-data: (\S+)/)?.[1];
    const restricted = join(dir, 'viewer-kubeconfig');
    await writeFile(
      restricted,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: ${server}, certificate-authority-data: ${ca}}}]\nusers: [{name: viewer, user: {token: ${token}}}]\ncontexts: [{name: viewer, context: {cluster: c, user: viewer, namespace: ${ns.name}}}]\ncurrent-context: viewer\n`,
      { mode: 0o600 },
    );
    const { check, exitCode, json } = await doctorJson([], { KUBECONFIG: restricted });
    expect(exitCode).toBe(1);
    expect(check('permissions-create')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/^you may not create deployments\.apps, services, secrets, /),
    });
    expect(check('permissions-inspect')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('get secrets'),
    });
    expect(check('release-exists')).toMatchObject({
      status: 'warn',
      hint: `Helm keeps releases in Secrets: you need to read Secrets in ${ns.name}.`,
    });
    expect(check('database-secret').message).toMatch(
      /^cannot read Secret prefect-server-postgresql: .*forbidden/,
    );
    // What a viewer may see is still checked.
    expect(check('workloads-available').status).toBe('pass');
    expect(json.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual([
      'permissions-create',
    ]);
  });
});
