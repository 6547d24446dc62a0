// connect, end to end: find the release's apollo and UI -> reach them (port-forwards kept alive,
// or their LoadBalancer/Ingress address) -> check apollo's health and the UI's API URL -> point the
// local Prefect client at the server -> say where everything is. Ctrl-C stops the forwards.
import { homedir } from 'node:os';
import { InputError, UserError } from '../errors.js';
import { formatDuration } from '../plan/duration.js';
import {
  describeApiError,
  fetchUiServerUrl,
  isNetworkFailure,
  PrefectApi,
} from '../prefect/api-client.js';
import {
  ClientConfigError,
  clientSettingsFor,
  renderClientConfig,
} from '../prefect/client-config.js';
import { clientConfigFiles, writeClientConfig } from '../prefect/config-files.js';
import type { Tenant } from '../prefect/graphql.js';
import { loopbackUrl, portForwardUrls } from '../prefect/urls.js';
import { externalAddress } from '../release/addresses.js';
import { instanceSelector } from '../release/labels.js';
import { describeDrop, type ForwardEvent, SupervisedForward } from '../release/port-forward.js';
import { commandLine, targetFlags } from '../release/release-flags.js';
import {
  type Component,
  findReleaseObjects,
  type ReleaseObjects,
  servicePort,
} from '../release/release-objects.js';
import { checkReleaseLookup, defaultRelease, type ReleaseLookup } from '../release/release-ref.js';
import { type ClusterRef, checkUiApiUrl } from '../release/ui-api-check.js';
import { type KubeApi, kubeApiFor } from '../tools/kube-api.js';
import { Kubectl } from '../tools/kubectl.js';
import { abortedBy, InterruptedError, withInterruptScope } from '../ui/interrupt.js';
import { colors, type Output } from '../ui/output.js';
import { chooseLocalPort } from './local-ports.js';
import { openInBrowser } from './open-browser.js';

export interface ConnectOptions {
  /** -n and --release as given; read by the rule of release/release-ref.ts once the cluster is needed. */
  lookup: ReleaseLookup;
  apiPort: number;
  apiPortChosen: boolean;
  uiPort: number;
  uiPortChosen: boolean;
  external: boolean;
  writeConfig: boolean;
  printConfig: boolean;
  open: boolean;
  /** How long to wait for the forwards to start or a load balancer address to appear. */
  timeoutMs: number;
  home?: string;
}

/** Where the server is, as a browser on this machine sees it, and how our probes reach it. */
interface Endpoints {
  apiUrl: string;
  uiUrl: string;
  probeApiUrl: string;
  probeUiUrl: string;
  mode: 'port-forward' | 'external';
}

/** The first answers may take a moment (a forward's first connection, apollo still starting). */
const checkBudgetMs = 20_000;
/** How often a kept-open forward is probed, so a dead one is noticed before the user is. */
const probeIntervalMs = 5_000;

/** The options with the release they name. */
type Connection = Omit<ConnectOptions, 'lookup'> & { ref: ClusterRef };

function validate(options: ConnectOptions): void {
  checkReleaseLookup(options.lookup);
  if (!options.external && options.apiPort === options.uiPort) {
    throw new InputError(
      `--api-port and --ui-port are both ${options.apiPort}; the API and the UI need a port each.`,
    );
  }
}

function printClientConfig(apiUrl: string, print: (text: string) => void): void {
  print(
    `# ~/.prefect/backend.toml\nbackend = "server"\n\n# ~/.prefect/config.toml (merged: only these keys change)\n${renderClientConfig(clientSettingsFor(apiUrl))}`,
  );
}

export async function runConnect(
  options: ConnectOptions,
  out: Output,
  print: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  validate(options);
  if (options.printConfig && !options.external) {
    printClientConfig(portForwardUrls(options.apiPort, options.uiPort).apiUrl, print);
    return;
  }
  const connection: Connection = { ...options, ref: await defaultRelease(options.lookup) };
  const kubectl = await Kubectl.create({
    kubeconfig: connection.ref.kubeconfig,
    context: connection.ref.context,
  });
  const api = kubeApiFor(kubectl);
  if (options.external) {
    const objects = await findReleaseObjects(api, connection.ref, true);
    const endpoints = await externalEndpoints(api, objects, connection, out);
    if (options.printConfig) {
      printClientConfig(endpoints.apiUrl, print);
      return;
    }
    await reportAndConfigure(endpoints, connection, out);
    return;
  }
  const objects = await findReleaseObjects(api, connection.ref);
  // From here Ctrl-C (and SIGHUP, the terminal closing) stops the forwards before the process ends.
  await withInterruptScope(
    (signal) => forwardUntilInterrupted(kubectl, objects, connection, out, signal),
    ['SIGHUP'],
  );
}

// ---------------------------------------------------------------------------------------------
// Checks, client configuration and the summary: the same for both ways of reaching the server.

async function reportAndConfigure(
  endpoints: Endpoints,
  options: Connection,
  out: Output,
): Promise<void> {
  const tenants = await checkServer(endpoints, options.ref, out);
  if (options.writeConfig) await configureClient(endpoints.apiUrl, options, out);
  else out.line(colors.dim('~/.prefect left as it is (--no-config).'));

  out.heading(
    `Prefect Server, release ${options.ref.release} in namespace ${options.ref.namespace}`,
  );
  out.line(`  UI:      ${endpoints.uiUrl}`);
  out.line(`  API:     ${endpoints.apiUrl}`);
  if (tenants === undefined) {
    out.line('  Tenants: unknown (the API did not tell, see above)');
  } else if (tenants.length === 0) {
    out.line('  Tenants: none yet; the dashboard stays blank until one exists:');
    out.line(`           prefect-server tenant create ${commandLine(targetFlags(options.ref))}`);
  } else {
    out.line(
      `  Tenants: ${tenants.map((t) => (t.name === t.slug ? t.slug : `${t.name} (${t.slug})`)).join(', ')}`,
    );
  }
  if (options.open) {
    const problem = await openInBrowser(endpoints.uiUrl);
    if (problem)
      out.warn(`Could not open a browser (${problem}); open ${endpoints.uiUrl} yourself.`);
    else out.line(`Opened ${endpoints.uiUrl} in your browser.`);
  }
}

/** apollo's health, the UI's API URL and the tenants; returns the tenants when the API answered. */
async function checkServer(
  endpoints: Endpoints,
  ref: ClusterRef,
  out: Output,
): Promise<Tenant[] | undefined> {
  const api = new PrefectApi(endpoints.probeApiUrl, { budgetMs: checkBudgetMs });
  const mark = { ok: colors.green('✓'), bad: colors.red('✗') };
  const [health, serverUrl] = await Promise.allSettled([
    api.health(),
    fetchUiServerUrl(endpoints.probeUiUrl, { budgetMs: checkBudgetMs }),
  ]);
  const healthy = health.status === 'fulfilled';
  if (healthy) out.line(`${mark.ok} apollo answers its health check`);
  else {
    out.line(`${mark.bad} apollo is not healthy: it ${describeApiError(health.reason)}`);
    out.line(
      colors.dim(`    Find out why: prefect-server doctor ${commandLine(targetFlags(ref))}`),
    );
  }
  if (serverUrl.status === 'fulfilled') {
    const verdict = checkUiApiUrl(serverUrl.value, endpoints.apiUrl, ref, endpoints.mode);
    if (verdict.ok) {
      out.line(
        `${mark.ok} the UI sends browsers to ${endpoints.apiUrl} (server_url in /settings.json)`,
      );
    } else {
      out.line(`${mark.bad} ${verdict.message}`);
      out.line(`    Fix: ${verdict.fixes[0]}`);
      for (const other of verdict.fixes.slice(1)) out.line(`    Or:  ${other}`);
    }
  } else {
    out.line(
      `${mark.bad} could not read the UI's /settings.json: the UI ${describeApiError(serverUrl.reason)}`,
    );
  }
  if (!healthy) return undefined;
  try {
    return await api.listTenants();
  } catch (error) {
    out.warn(`Could not list tenants: the API ${describeApiError(error)}`);
    return undefined;
  }
}

function homePath(path: string, home: string): string {
  return path.startsWith(`${home}/`) ? `~/${path.slice(home.length + 1)}` : path;
}

async function configureClient(apiUrl: string, options: Connection, out: Output): Promise<void> {
  const home = options.home ?? homedir();
  const settings = clientSettingsFor(apiUrl);
  try {
    const files = clientConfigFiles(home);
    const outcome = await writeClientConfig(settings, files);
    for (const file of outcome.files) {
      const shown = homePath(file.path, home);
      if (!file.changed) {
        out.line(`${colors.green('✓')} ${shown} already set`);
        continue;
      }
      const saved = file.backup
        ? `; the previous file is saved as ${homePath(file.backup, home)}`
        : '';
      const what =
        file.path === files.backend
          ? 'backend = "server"'
          : `the Prefect client points at ${settings.host}:${settings.port}${file.created ? '' : ', your other settings kept'}`;
      out.line(`${colors.green('✓')} ${file.created ? 'created ' : ''}${shown}: ${what}${saved}`);
    }
    for (const warning of outcome.warnings) out.warn(warning);
  } catch (error) {
    if (!(error instanceof ClientConfigError)) throw error;
    out.warn(`~/.prefect was not changed: ${error.message}`);
    out.line(
      colors.dim(
        '    Fix the file, or see what to put in it: prefect-server connect --print-config',
      ),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// --external: the address of a LoadBalancer Service or an Ingress, waited for while pending.

async function externalEndpoints(
  api: KubeApi,
  first: ReleaseObjects,
  options: Connection,
  out: Output,
): Promise<Endpoints> {
  const deadline = Date.now() + options.timeoutMs;
  let objects = first;
  let spinner: Awaited<ReturnType<Output['spinner']>> | undefined;
  for (;;) {
    const addresses = {
      apollo: externalAddress(objects.apollo, objects.apolloIngress),
      ui: externalAddress(objects.ui, objects.uiIngress),
    };
    for (const component of ['apollo', 'ui'] as Component[]) {
      const address = addresses[component];
      if (address.state === 'none') {
        spinner?.fail('No external address');
        const service = component === 'apollo' ? objects.apollo : objects.ui;
        throw new UserError(
          `--external needs ${component} exposed by a LoadBalancer Service or an Ingress; Service ${service.metadata.name} is ${address.type} and no Ingress routes to it.`,
          {
            hint: `Port-forward instead: prefect-server connect ${commandLine(targetFlags(options.ref))}`,
          },
        );
      }
    }
    if (addresses.apollo.state === 'ready' && addresses.ui.state === 'ready') {
      spinner?.succeed('The load balancer has an address');
      return {
        apiUrl: `${addresses.apollo.baseUrl}/graphql`,
        uiUrl: `${addresses.ui.baseUrl}/`,
        probeApiUrl: `${addresses.apollo.baseUrl}/graphql`,
        probeUiUrl: `${addresses.ui.baseUrl}/`,
        mode: 'external',
      };
    }
    const pending = [addresses.apollo, addresses.ui]
      .filter((a) => a.state === 'pending')
      .map((a) => a.via)
      .join(' and ');
    const text = `Waiting for an external address of ${pending} (pending)`;
    if (spinner) spinner.update(text);
    else spinner = await out.spinner(text);
    if (Date.now() >= deadline) {
      spinner.fail(`No external address after ${formatDuration(options.timeoutMs)}`);
      throw new UserError(
        `${pending} got no external address within ${formatDuration(options.timeoutMs)}: the load balancer is still pending.`,
        {
          hint: `kubectl describe service -n ${options.ref.namespace} -l ${instanceSelector(options.ref.release)} shows why (its events). A cluster without a load-balancer controller never assigns one: port-forward instead with prefect-server connect ${commandLine(targetFlags(options.ref))}`,
        },
      );
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(2_000, Math.max(0, deadline - Date.now()))),
    );
    objects = await findReleaseObjects(api, options.ref, true);
  }
}

// ---------------------------------------------------------------------------------------------
// Port-forwarding: both forwards started, checked, kept alive, and stopped on Ctrl-C.

const labels: Record<'api' | 'ui', string> = { api: 'API', ui: 'UI' };

/** The signal that aborts `signal`, once it does. */
function caughtSignal(signal: AbortSignal): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(abortedBy(signal));
    else signal.addEventListener('abort', () => resolve(abortedBy(signal)), { once: true });
  });
}

async function forwardUntilInterrupted(
  kubectl: Kubectl,
  objects: ReleaseObjects,
  options: Connection,
  out: Output,
  interrupt: AbortSignal,
): Promise<never> {
  const probes = {
    api: async (port: number) => {
      await new PrefectApi(`http://127.0.0.1:${port}/graphql`, { budgetMs: 0 }).health();
    },
    ui: async (port: number) => {
      await fetchUiServerUrl(`http://127.0.0.1:${port}/`, { budgetMs: 0 });
    },
  };
  const forwards = {} as Record<'api' | 'ui', SupervisedForward>;
  const onEvent = (which: 'api' | 'ui') => (event: ForwardEvent) => {
    if (event.type === 'dropped') {
      out.warn(`${labels[which]} port-forward dropped: ${describeDrop(event)}`);
      return;
    }
    // Back only when traffic goes through end to end; else kubectl drops again, and backs off.
    probes[which](event.port).then(
      () => {
        forwards[which].markHealthy();
        out.line(
          `${colors.green('✓')} ${labels[which]} port-forward reconnected on localhost:${event.port}`,
        );
      },
      (error) => {
        // No answer at all ends kubectl too, and its drop is reported; an odd answer is news.
        if (isNetworkFailure(error)) return;
        out.warn(
          `${labels[which]} port-forward restarted, but the ${labels[which]} ${describeApiError(error)}`,
        );
      },
    );
  };
  forwards.api = new SupervisedForward(
    kubectl,
    {
      namespace: options.ref.namespace,
      service: objects.apollo.metadata.name,
      remotePort: servicePort(objects.apollo),
    },
    { onEvent: onEvent('api') },
  );
  forwards.ui = new SupervisedForward(
    kubectl,
    {
      namespace: options.ref.namespace,
      service: objects.ui.metadata.name,
      remotePort: servicePort(objects.ui),
    },
    { onEvent: onEvent('ui') },
  );

  const caught = caughtSignal(interrupt);
  let probeTimer: NodeJS.Timeout | undefined;
  try {
    const ready = startAndReport(forwards, options, out);
    ready.catch(() => {});
    const first = await Promise.race([ready.then(() => undefined), caught]);
    if (first === undefined) {
      out.line();
      out.line(colors.dim('Keeping both port-forwards open; press Ctrl-C to stop.'));
      let probing = false;
      probeTimer = setInterval(() => {
        if (probing) return;
        probing = true;
        void Promise.allSettled(
          (['api', 'ui'] as const).map(async (which) => {
            const port = forwards[which].port;
            if (port === undefined) return;
            await probes[which](port);
            forwards[which].markHealthy();
          }),
        ).finally(() => {
          probing = false;
        });
      }, probeIntervalMs);
    }
    const signal = await caught;
    throw new InterruptedError(`Interrupted (${signal}): both port-forwards are stopped.`);
  } finally {
    clearInterval(probeTimer);
    await Promise.all([forwards.api.stop(), forwards.ui.stop()]);
  }
}

async function startAndReport(
  forwards: Record<'api' | 'ui', SupervisedForward>,
  options: Connection,
  out: Output,
): Promise<void> {
  const [apiChoice, uiChoice] = await Promise.all([
    chooseLocalPort('API', '--api-port', options.apiPort, options.apiPortChosen),
    chooseLocalPort('UI', '--ui-port', options.uiPort, options.uiPortChosen),
  ]);
  const spinner = await out.spinner('Starting port-forwards to apollo and the UI');
  let apiPort: number;
  let uiPort: number;
  try {
    [apiPort, uiPort] = await Promise.all([
      forwards.api.start(apiChoice.port, options.timeoutMs),
      forwards.ui.start(uiChoice.port, options.timeoutMs),
    ]);
  } catch (error) {
    spinner.fail('A port-forward could not start');
    throw error;
  }
  spinner.succeed(
    `Forwarding localhost:${apiPort} to ${forwards.api.description}, localhost:${uiPort} to ${forwards.ui.description}`,
  );
  if (apiChoice.note) out.warn(`${apiChoice.note}: localhost:${apiPort}`);
  if (uiChoice.note) out.warn(`${uiChoice.note}: localhost:${uiPort}`);
  const { apiUrl, uiUrl } = portForwardUrls(apiPort, uiPort);
  await reportAndConfigure(
    {
      apiUrl,
      uiUrl,
      probeApiUrl: loopbackUrl(apiUrl),
      probeUiUrl: loopbackUrl(uiUrl),
      mode: 'port-forward',
    },
    options,
    out,
  );
}
