// doctor: the API as users and agents meet it, through port-forwards to apollo and the UI:
// apollo healthy, at least one tenant (else the manual's blank dashboard and the agents' 400
// errors), and the UI handing browsers an API URL they can reach (/settings.json server_url).

import { defaults } from '../plan/install-plan.js';
import { loopbackUrl } from '../prefect/urls.js';
import { ingressUrls, loadBalancerUrls } from '../release/addresses.js';
import { componentSelector } from '../release/labels.js';
import type { Service } from '../tools/kube-objects.js';
import { type CheckResult, fail, pass, warn } from '../ui/check.js';
import { byComponent, type ReleaseObjects } from './cluster-state.js';
import { CannotRun, type DoctorContext } from './context.js';
import type { DoctorCheck } from './doctor-check.js';
import { withTimeout } from './timeout.js';

const httpTimeoutMs = 5_000;

function servicePort(service: Service, fallback: number): number {
  return service.spec.ports?.[0]?.port ?? fallback;
}

/** A local base URL reaching a component's Service, or why there is none. */
async function componentBase(
  ctx: DoctorContext,
  component: 'apollo' | 'ui',
  fallbackPort: number,
): Promise<Endpoint> {
  return ctx.shared(`base:${component}`, async () => {
    const objects = await ctx.objects();
    if (objects.forbidden.includes('services'))
      throw new CannotRun(`cannot run: you may not list Services in ${ctx.namespace}`);
    const service = byComponent(objects.services, component);
    if (!service) throw new CannotRun(`skipped: the release has no ${component} Service`);
    try {
      const { localPort, lost } = await ctx.forward(
        service.metadata.name,
        servicePort(service, fallbackPort),
      );
      return { base: `http://127.0.0.1:${localPort}`, lost };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CannotRun(
        `cannot run: ${reason}`,
        /forbidden/i.test(reason)
          ? `You may not port-forward in ${ctx.namespace}.`
          : `Is ${component} running? See the workload checks: kubectl get pods -n ${ctx.namespace} -l ${componentSelector(component)}`,
      );
    }
  });
}

interface Endpoint {
  base: string;
  /** Settles when the port-forward breaks: a request through it then fails at once. */
  lost: Promise<Error> | undefined;
}

function request(
  endpoint: Endpoint,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: string }> {
  return withTimeout(
    async (signal) => {
      const answer = (async () => {
        const response = await fetch(`${endpoint.base}${path}`, { ...init, signal });
        return { status: response.status, body: await response.text() };
      })();
      if (!endpoint.lost) return answer;
      const broken = endpoint.lost.then((error) => {
        throw error;
      });
      broken.catch(() => {});
      return Promise.race([answer, broken]);
    },
    httpTimeoutMs,
    endpoint.lost ? path : `${endpoint.base}${path}`,
  );
}

const reason = (error: unknown) =>
  error instanceof Error
    ? error.cause instanceof Error
      ? error.cause.message
      : error.message
    : String(error);

/** Apollo's health; shared by the tenant check, which needs a healthy apollo. */
function apolloHealth(ctx: DoctorContext): Promise<CheckResult> {
  return ctx.shared('apollo-health', async () => {
    const apollo = await componentBase(ctx, 'apollo', 4200);
    const logs = `kubectl logs -n ${ctx.namespace} deploy/${byComponent((await ctx.objects()).workloads, 'apollo')?.metadata.name ?? 'APOLLO'}`;
    try {
      const { status, body } = await request(apollo, '/.well-known/apollo/server-health');
      if (status === 200)
        return pass(`apollo answers its health check (${body.trim().slice(0, 60)})`);
      return fail(
        `apollo's health check answered HTTP ${status}: ${body.trim().slice(0, 120)}`,
        `apollo waits for graphql, which waits for hasura and the database (see those checks). Its log: ${logs}`,
      );
    } catch (error) {
      return fail(
        `apollo does not answer through the port-forward: ${reason(error)}`,
        `Its log: ${logs}`,
      );
    }
  });
}

export function judgeTenants(answer: unknown, target: string): CheckResult {
  const parsed = answer as {
    data?: { tenant?: { name?: string; slug?: string }[] };
    errors?: { message?: string }[];
  };
  if (parsed.errors?.length) {
    return fail(
      `apollo refused the tenant query: ${parsed.errors[0]?.message ?? 'unknown error'}`,
      'See the health of graphql and hasura in the workload checks.',
    );
  }
  const tenants = parsed.data?.tenant;
  if (!Array.isArray(tenants))
    return fail('apollo answered the tenant query without a tenant list');
  if (tenants.length === 0) {
    return fail(
      'there is no tenant: the UI dashboard stays blank, and agents fail with "400 Client Error: Bad Request" on get_runs_in_queue',
      `Create one: prefect-server tenant create ${target}`,
    );
  }
  return pass(
    `${tenants.length} tenant${tenants.length > 1 ? 's' : ''}: ${tenants.map((t) => t.slug ?? t.name).join(', ')}`,
  );
}

/** The URLs through which a user's browser can reach apollo: the Ingress, the LoadBalancer, connect. */
export function apiUrlsOf(objects: ReleaseObjects): { url: string; how: string }[] {
  const urls: { url: string; how: string }[] = [];
  const apollo = byComponent(objects.services, 'apollo');
  // Any Ingress that routes to apollo's Service counts, labelled by the chart or made by a user.
  const toApollo = (path: { backend?: { service?: { name: string } } }) =>
    !apollo || path.backend?.service?.name === apollo.metadata.name;
  for (const ingress of objects.ingresses) {
    for (const base of ingressUrls(ingress, toApollo))
      urls.push({ url: `${base}/graphql`, how: `the Ingress ${ingress.metadata.name}` });
  }
  if (apollo?.spec.type === 'LoadBalancer') {
    for (const base of loadBalancerUrls(apollo))
      urls.push({ url: `${base}/graphql`, how: `the LoadBalancer ${apollo.metadata.name}` });
  }
  const how = 'prefect-server connect (port-forward)';
  urls.push({ url: defaults.portForwardApiUrl, how });
  urls.push({ url: loopbackUrl(defaults.portForwardApiUrl), how });
  return urls;
}

const normalize = (url: URL) =>
  `${url.protocol}//${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}${url.pathname.replace(/\/$/, '')}`;

/** A host only the cluster's DNS resolves. */
export function clusterOnlyHost(host: string): boolean {
  if (host === 'localhost' || /^[\d.]+$/.test(host) || host.includes(':')) return false;
  return !host.includes('.') || /\.svc(\.|$)/.test(host) || host.endsWith('.cluster.local');
}

/** Whether judging server_url needs to know if it answers from here: an address doctor cannot place. */
export function needsProbe(
  serverUrl: string | undefined,
  known: readonly { url: string }[],
): boolean {
  if (!serverUrl) return false;
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    return false;
  }
  if (clusterOnlyHost(url.hostname) || url.hostname === 'localhost' || url.hostname === '127.0.0.1')
    return false;
  return !known.some((k) => normalize(new URL(k.url)) === normalize(url));
}

/**
 * The verdict on the UI's server_url. `reachable` is whether it answered from here, asked only
 * when it is none of the known addresses.
 */
export function judgeServerUrl(
  serverUrl: string | undefined,
  known: readonly { url: string; how: string }[],
  reachable: boolean | undefined,
  target: string,
): CheckResult {
  const best = known[0]?.url ?? defaults.portForwardApiUrl;
  const fix = `Point the UI at an address your browser reaches: prefect-server upgrade ${target} --api-url ${best}`;
  if (!serverUrl) return fail('the UI serves no server_url in /settings.json', fix);
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    return fail(`server_url "${serverUrl}" is not a URL`, fix);
  }
  if (clusterOnlyHost(url.hostname)) {
    return fail(
      `server_url ${serverUrl} names a host only the cluster resolves: browsers cannot reach it`,
      fix,
    );
  }
  const match = known.find((k) => normalize(new URL(k.url)) === normalize(url));
  if (match) return pass(`server_url ${serverUrl} is reached through ${match.how}`);
  if (url.hostname === 'localhost' || url.hostname === '127.0.0.1') {
    return warn(
      `server_url ${serverUrl} works only while apollo is forwarded to port ${url.port || '80'} of the browser's machine`,
      `Forward it there: prefect-server connect ${target} --api-port ${url.port || '80'}`,
    );
  }
  if (reachable) return pass(`server_url ${serverUrl} answers from here`);
  return fail(
    `server_url ${serverUrl} is neither this release's Ingress nor its LoadBalancer, and does not answer from here`,
    fix,
  );
}

const health: DoctorCheck = {
  id: 'api-health',
  category: 'api',
  title: 'apollo is healthy',
  when: 'installed',
  run: (ctx) => apolloHealth(ctx),
};

const tenant: DoctorCheck = {
  id: 'api-tenant',
  category: 'api',
  title: 'at least one tenant exists',
  when: 'installed',
  async run(ctx) {
    if ((await apolloHealth(ctx)).status !== 'pass')
      throw new CannotRun('skipped: apollo is not healthy (see above)');
    const apollo = await componentBase(ctx, 'apollo', 4200);
    const { status, body } = await request(apollo, '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query { tenant { id name slug } }' }),
    });
    let answer: unknown;
    try {
      answer = JSON.parse(body);
    } catch {
      return fail(
        `apollo answered the tenant query with HTTP ${status} and no JSON: ${body.slice(0, 120)}`,
      );
    }
    return judgeTenants(answer, ctx.target);
  },
};

const uiSettings: DoctorCheck = {
  id: 'api-ui-settings',
  category: 'api',
  title: "the UI's server_url is an API address users reach",
  when: 'installed',
  async run(ctx) {
    const ui = await componentBase(ctx, 'ui', 8080);
    let settings: { server_url?: string };
    try {
      const { status, body } = await request(ui, '/settings.json');
      if (status !== 200) return fail(`the UI answered /settings.json with HTTP ${status}`);
      settings = JSON.parse(body);
    } catch (error) {
      return fail(`the UI did not serve /settings.json: ${reason(error)}`);
    }
    const known = apiUrlsOf(await ctx.objects());
    const serverUrl = settings.server_url;
    let reachable: boolean | undefined;
    if (needsProbe(serverUrl, known)) {
      reachable = await request({ base: serverUrl as string, lost: undefined }, '').then(
        () => true,
        () => false,
      );
    }
    return judgeServerUrl(serverUrl, known, reachable, ctx.target);
  },
};

export const apiChecks: DoctorCheck[] = [health, tenant, uiSettings];
