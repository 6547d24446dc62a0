// The install wizard: asks, in the order a person thinks about it, for every answer the flags left
// open, and refuses a bad answer at its own prompt with the same rule buildPlan would apply. It
// learns about the cluster only through WizardContext, so it never runs helm or kubectl itself.

import { InputError } from '../errors.js';
import { ruleOf, type SectionId } from '../plan/answers.js';
import { defaults, type InstallAnswers } from '../plan/install-plan.js';
import * as rules from '../plan/rules.js';
import { askDatabase } from './database-questions.js';
import { askExposure } from './exposure-questions.js';
import {
  eachOf,
  firstLine,
  optional,
  Prompter,
  refuse,
  splitList,
  type WizardIO,
} from './prompter.js';
import type { ClusterFacts, WizardContext } from './wizard-context.js';

/**
 * The wizard's sections (plan/answers.ts names which answers each holds), in the order a person
 * thinks about an install. `upgradeTitle` is the upgrade menu's entry for a section an upgrade
 * can change; the menu runs the wizard with only the chosen sections.
 */
export const wizardSections: readonly { id: SectionId; upgradeTitle?: string }[] = [
  { id: 'target' },
  { id: 'chart' },
  { id: 'database' },
  { id: 'agent', upgradeTitle: 'agent (enable/disable, labels, job resources)' },
  { id: 'exposure', upgradeTitle: 'exposure (port-forward, LoadBalancer, Ingress hosts and TLS)' },
  { id: 'versions', upgradeTitle: 'image versions' },
  { id: 'tenant', upgradeTitle: 'tenant Job' },
  { id: 'pull', upgradeTitle: 'image pull Secrets' },
];

/**
 * `given` completed with an answer for everything the flags did not set; given answers stand.
 * With `only`, just those sections are asked (the upgrade menu), the rest of `given` is kept as is.
 */
export async function askInstallAnswers(
  given: InstallAnswers,
  ctx: WizardContext,
  io?: WizardIO,
  only?: ReadonlySet<SectionId>,
): Promise<InstallAnswers> {
  const p = new Prompter(io);
  const a: InstallAnswers = { ...given };
  const asks = (section: SectionId) => only === undefined || only.has(section);
  let loading: Promise<ClusterFacts> | undefined;
  const load = () => {
    if (loading === undefined) {
      loading = ctx.loadFacts(a.context);
      loading.catch(() => {});
    }
    return loading;
  };
  if (asks('target')) {
    await askContext(p, a, ctx);
    // Loaded while the user types a namespace; awaited once it is needed.
    const facts = load();
    await askNamespace(p, a, given, facts);
    await facts;
    await askRelease(p, a);
  }
  if (asks('chart')) await askChart(p, a, ctx);
  if (asks('database')) await askDatabase(p, a, ctx, await load());
  if (asks('agent')) await askAgent(p, a);
  if (asks('exposure')) await askExposure(p, a, await load());
  if (asks('versions')) await askVersions(p, a, ctx);
  if (asks('tenant')) await askTenant(p, a);
  if (asks('pull')) await askImagePullSecrets(p, a);
  return a;
}

async function askContext(p: Prompter, a: InstallAnswers, ctx: WizardContext): Promise<void> {
  if (a.context !== undefined) return;
  const { names, current } = ctx.contexts;
  if (names.length <= 1) {
    // One context is no choice, and none means kubectl's own default applies.
    a.context = names[0];
    return;
  }
  a.context = await p.select({
    message: 'Kubernetes context',
    choices: names.map((name) => ({
      value: name,
      name: name === current ? `${name} (current)` : name,
    })),
    ...(current !== undefined && names.includes(current) && { default: current }),
  });
}

async function askNamespace(
  p: Prompter,
  a: InstallAnswers,
  given: InstallAnswers,
  loading: Promise<ClusterFacts>,
): Promise<void> {
  for (;;) {
    a.namespace ??= await p.input({
      message: 'Namespace to install into',
      default: defaults.namespace,
      validate: refuse(ruleOf('namespace')),
    });
    const { namespaces } = await loading;
    if (namespaces.includes(a.namespace) || a.createNamespace === true) return;
    const create =
      given.createNamespace !== false &&
      (await p.confirm({
        message: `Namespace ${a.namespace} does not exist. Create it?`,
        default: true,
      }));
    if (create) {
      a.createNamespace = true;
      return;
    }
    if (given.namespace !== undefined) {
      throw new InputError(
        `Namespace ${a.namespace} does not exist, and it is not to be created.`,
        'Add --create-namespace, or choose an existing namespace with --namespace.',
      );
    }
    p.say(`Namespace ${a.namespace} will not be created: choose another.`);
    a.namespace = undefined;
  }
}

async function askRelease(p: Prompter, a: InstallAnswers): Promise<void> {
  a.release ??= await p.input({
    message: 'Release name',
    default: defaults.release,
    validate: refuse(ruleOf('release')),
  });
}

async function askChart(p: Prompter, a: InstallAnswers, ctx: WizardContext): Promise<void> {
  // Flags about released charts answer the question; buildPlan refuses them with the bundled one.
  const repoOnly = [a.chartVersion, a.repoUrl, a.keyring, a.signingKey];
  if (a.chartSource === undefined && (a.verify === true || repoOnly.some((v) => v !== undefined)))
    a.chartSource = 'repo';
  a.chartSource ??= await p.select({
    message: 'Chart',
    choices: [
      {
        value: 'bundled' as const,
        name: 'bundled — the chart shipped with this CLI, works offline',
      },
      { value: 'repo' as const, name: 'repo — a released version from the prefecthq repository' },
    ],
    default: 'bundled',
  });
  if (a.chartSource !== 'repo') return;
  a.repoUrl ??= await p.input({
    message: 'Chart repository URL',
    default: defaults.repoUrl,
    validate: refuse(ruleOf('repoUrl')),
  });
  a.chartVersion ??= await askChartVersion(p, ctx, a.repoUrl);
  // Prefect's own signing key expired in 2023, so verification only works for a re-signed mirror.
  a.verify ??= await p.confirm({
    message: 'Verify the chart signature? (needs a .prov file and a key that has not expired)',
    default: false,
  });
}

async function askChartVersion(p: Prompter, ctx: WizardContext, repoUrl: string): Promise<string> {
  let versions: string[] = [];
  try {
    versions = await ctx.listRepoVersions(repoUrl);
    if (versions.length === 0) p.warn(`${repoUrl} lists no versions of the chart.`);
  } catch (error) {
    p.warn(`Could not list the chart versions in ${repoUrl}: ${firstLine(error)}`);
  }
  if (versions.length === 0) {
    return p.input({
      message: 'Chart version (e.g. 2022.09.23)',
      validate: refuse(ruleOf('chartVersion')),
    });
  }
  return p.select({
    message: 'Chart version',
    choices: versions.map((version, index) => ({
      value: version,
      name: index === 0 ? `${version} (newest)` : version,
    })),
    default: versions[0],
  });
}

async function askAgent(p: Prompter, a: InstallAnswers): Promise<void> {
  const jobKeys = [
    'jobCpuRequest',
    'jobCpuLimit',
    'jobMemoryRequest',
    'jobMemoryLimit',
    'jobImagePullPolicy',
  ] as const;
  const jobGiven = jobKeys.some((key) => a[key] !== undefined);
  a.agent ??=
    jobGiven ||
    a.agentLabels !== undefined ||
    (await p.confirm({ message: 'Deploy the Prefect Kubernetes agent?', default: false }));
  if (!a.agent) return;
  if (a.agentLabels === undefined) {
    a.agentLabels = splitList(
      await p.input({
        message: 'Prefect labels of the agent (comma-separated, blank: none)',
        validate: refuse(eachOf(ruleOf('agentLabels'))),
      }),
    );
  }
  // Job resources given as flags are a complete answer: the rest stay unset on purpose.
  if (jobGiven) return;
  if (!(await p.confirm({ message: 'Set CPU/memory for flow-run jobs?', default: false }))) return;
  const questions = [
    ['jobCpuRequest', 'CPU request of each flow-run job (e.g. 500m, blank: none)'],
    ['jobCpuLimit', 'CPU limit of each flow-run job (e.g. 2, blank: none)'],
    ['jobMemoryRequest', 'Memory request of each flow-run job (e.g. 512Mi, blank: none)'],
    ['jobMemoryLimit', 'Memory limit of each flow-run job (e.g. 2Gi, blank: none)'],
  ] as const;
  for (const [key, message] of questions) {
    const value = await p.input({
      message,
      validate: refuse(optional(ruleOf(key))),
    });
    if (value !== '') a[key] = value;
  }
  const policy = await p.select<InstallAnswers['jobImagePullPolicy'] | ''>({
    message: 'Image pull policy of each flow-run job',
    choices: [
      { value: '', name: 'Kubernetes’ default (Always for :latest tags, else IfNotPresent)' },
      { value: 'IfNotPresent', name: 'IfNotPresent — use the image a node has already' },
      { value: 'Always', name: 'Always — ask the registry at every run' },
      { value: 'Never', name: 'Never — only images already on the node' },
    ],
    default: '',
  });
  if (policy) a.jobImagePullPolicy = policy;
}

async function askVersions(p: Prompter, a: InstallAnswers, ctx: WizardContext): Promise<void> {
  // A tag given as a flag is a deliberate choice of versions; the others keep the chart's.
  if (a.serverTag !== undefined || a.prefectTag !== undefined || a.uiTag !== undefined) return;
  const chart = ctx.chartDefaults;
  const useChart = await p.confirm({
    message: `Use the chart's image versions (server ${chart.serverTag}, Prefect Core ${chart.prefectTag}, UI ${chart.uiTag})?`,
    default: true,
  });
  if (useChart) return;
  const questions = [
    [
      'serverTag',
      'Server image tag (apollo, graphql, towel)',
      chart.serverTag,
      ruleOf('serverTag'),
    ],
    [
      'prefectTag',
      'Prefect Core image tag (agent, tenant job)',
      chart.prefectTag,
      ruleOf('prefectTag'),
    ],
    ['uiTag', 'UI image tag (a date with dashes)', chart.uiTag, ruleOf('uiTag')],
  ] as const;
  for (const [key, message, chartTag, rule] of questions) {
    const tag = await p.input({ message, default: chartTag, validate: refuse(rule) });
    // Only a real change is recorded, so a later chart upgrade still brings its own tags.
    if (tag !== chartTag) a[key] = tag;
  }
}

async function askTenant(p: Prompter, a: InstallAnswers): Promise<void> {
  a.tenant ??=
    a.tenantName !== undefined ||
    a.tenantSlug !== undefined ||
    (await p.confirm({
      message: 'Create a tenant at install? (the UI and agents need one)',
      default: true,
    }));
  if (!a.tenant) return;
  a.tenantName ??= await p.input({
    message: 'Tenant name',
    default: defaults.tenantName,
    validate: refuse(ruleOf('tenantName')),
  });
  a.tenantSlug ??= await p.input({
    message: 'Tenant slug',
    default: slugOf(a.tenantName),
    validate: refuse(ruleOf('tenantSlug')),
  });
}

/** A slug the API accepts, derived from the name so that "Data Team" offers "data-team". */
export function slugOf(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return rules.tenantSlug(slug) === undefined ? slug : defaults.tenantSlug;
}

async function askImagePullSecrets(p: Prompter, a: InstallAnswers): Promise<void> {
  if (a.imagePullSecrets !== undefined) return;
  a.imagePullSecrets = splitList(
    await p.input({
      message: 'Image pull Secrets (comma-separated, blank: none)',
      validate: refuse(eachOf(ruleOf('imagePullSecrets'))),
    }),
  );
}
