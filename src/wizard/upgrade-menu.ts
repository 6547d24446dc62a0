// The upgrade menu, shown when upgrade runs in a terminal without change flags: the user picks
// what to change (agent, exposure, versions, tenant Job, pull Secrets, volume size, chart version)
// and only those questions are asked; every other answer stays as the release has it.

import type { InstallAnswers } from '../plan/install-plan.js';
import { bundledChartDefaults } from '../release/chart-source.js';
import { isReleasedChart } from '../release/released-chart.js';
import type { HelmRelease } from '../tools/helm.js';
import type { Kubectl } from '../tools/kubectl.js';
import { type DatabaseVolume, planVolumeResize } from './db-volume.js';

export async function pickRelease(candidates: HelmRelease[]): Promise<HelmRelease> {
  const { select } = await import('@inquirer/prompts');
  return select({
    message: 'Which release?',
    choices: candidates.map((r) => ({
      name: `${r.namespace}/${r.name} (${r.chart}, ${r.status})`,
      value: r,
    })),
  });
}

/** Free-text answers the wizard asks when unset, whatever the section (see askWhatToChange). */
const placeholderKeys = new Set<keyof InstallAnswers>([
  'ingressClass',
  'apiHost',
  'uiHost',
  'tlsSecret',
  'apiUrl',
  'jobCpuRequest',
  'jobCpuLimit',
  'jobMemoryRequest',
  'jobMemoryLimit',
  'tenantName',
  'tenantSlug',
]);

export interface MenuFacts {
  /** The bundled database's volume, when it has one (the size entry is offered only then). */
  volume: DatabaseVolume | undefined;
  currentVersion: string;
  repoUrl: string;
  context: string | undefined;
  warn: (text: string) => void;
}

export interface MenuChoice {
  answers: InstallAnswers;
  sections: Set<string>;
  /** A new size for the database volume. */
  dbSize?: string;
  /** 'bundled', or a released chart version (taken as --version). */
  chart?: string;
}

/** The upgrade menu: the user picks sections; only those are asked, with earlier answers kept. */
export async function askWhatToChange(
  answers: InstallAnswers,
  kubectl: Kubectl,
  facts: MenuFacts,
): Promise<MenuChoice> {
  const [{ checkbox, input }, { askInstallAnswers }, { wizardContextFromCluster }] =
    await Promise.all([
      import('@inquirer/prompts'),
      import('../wizard/install-wizard.js'),
      import('../wizard/cluster-context.js'),
    ]);
  const menu: {
    name: string;
    value: string;
    keys: (keyof InstallAnswers)[];
    sections: string[];
    disabled?: string;
  }[] = [
    {
      name: 'agent (enable/disable, labels, job resources)',
      value: 'agent',
      keys: [
        'agent',
        'agentLabels',
        'jobCpuRequest',
        'jobCpuLimit',
        'jobMemoryRequest',
        'jobMemoryLimit',
      ],
      sections: ['agent'],
    },
    {
      name: 'exposure (port-forward, LoadBalancer, Ingress hosts and TLS)',
      value: 'exposure',
      keys: ['expose', 'ingressClass', 'apiHost', 'uiHost', 'tlsSecret', 'apiUrl'],
      sections: ['apollo', 'ui'],
    },
    {
      name: 'image versions',
      value: 'versions',
      keys: ['serverTag', 'prefectTag', 'uiTag'],
      sections: ['serverVersionTag', 'prefectVersionTag', 'uiVersionTag'],
    },
    {
      name: 'tenant Job',
      value: 'tenant',
      keys: ['tenant', 'tenantName', 'tenantSlug'],
      sections: ['jobs'],
    },
    {
      name: 'image pull Secrets',
      value: 'pull',
      keys: ['imagePullSecrets'],
      sections: ['imagePullSecrets'],
    },
  ];
  const { volume } = facts;
  if (volume) {
    menu.push({
      name: `database volume size (now ${volume.request})`,
      value: 'dbsize',
      keys: [],
      sections: [],
      ...(!volume.allowExpansion && {
        disabled: `(StorageClass ${volume.storageClass ?? 'none'} does not allow volume expansion)`,
      }),
    });
  }
  menu.push({
    name: `chart version (now ${facts.currentVersion})`,
    value: 'chart',
    keys: [],
    sections: [],
  });
  const picked = await checkbox({
    message: 'What do you want to change?',
    choices: menu.map(({ name, value, disabled }) => ({
      name,
      value,
      ...(disabled !== undefined && { disabled }),
    })),
  });
  const chosen = menu.filter((m) => picked.includes(m.value));
  const next: InstallAnswers = { ...answers };
  for (const item of chosen) for (const key of item.keys) delete next[key];
  // Sections not chosen must not be asked: fill the answers the wizard would otherwise ask for.
  const chart = bundledChartDefaults();
  if (!picked.includes('versions')) {
    next.serverTag ??= chart.serverTag;
    next.prefectTag ??= chart.prefectTag;
    next.uiTag ??= chart.uiTag;
  }
  if (!picked.includes('pull')) next.imagePullSecrets ??= [];
  const ctx = await wizardContextFromCluster(kubectl, (c) => kubectl.withContext(c));
  // The release's cluster is known: the wizard must not ask for a context again.
  next.context ??= facts.context ?? ctx.contexts.current;
  if (volume && next.database === 'bundled' && next.dbPersistence) {
    next.dbSize ??= volume.request;
    next.dbStorageClass ??= volume.storageClass;
  }
  // Optional answers of sections not chosen (no IngressClass, no TLS, no job resources) would be
  // asked as if new: hold their places while the wizard runs; they are restored below.
  const unchosen = menu.filter((m) => !picked.includes(m.value));
  const placeholder = '\u0000kept';
  for (const item of unchosen)
    for (const key of item.keys) {
      if (next[key] !== undefined) continue;
      if (key === 'agentLabels' || key === 'imagePullSecrets') next[key] = [];
      else if (placeholderKeys.has(key)) Object.assign(next, { [key]: placeholder });
    }
  const asked = await askInstallAnswers(next, ctx);
  for (const key of [
    ...unchosen.flatMap((m) => m.keys),
    'context',
    'dbSize',
    'dbStorageClass',
  ] as (keyof InstallAnswers)[]) {
    if (answers[key] === undefined) delete asked[key];
    else Object.assign(asked, { [key]: answers[key] });
  }
  const result: MenuChoice = {
    answers: asked,
    sections: new Set(chosen.flatMap((m) => m.sections)),
  };
  if (volume && picked.includes('dbsize')) {
    result.dbSize = await input({
      message: `Database volume size (now ${volume.request}; it can grow, not shrink)`,
      default: volume.request,
      validate: (value) => planVolumeResize(volume, value.trim()).problem?.message ?? true,
    }).then((v) => v.trim());
  }
  if (picked.includes('chart')) result.chart = await askChartVersion(ctx, facts);
  return result;
}

/** The bundled chart, the repository's released versions when it answers, or a typed version. */
async function askChartVersion(
  ctx: { listRepoVersions(repoUrl: string): Promise<string[]> },
  facts: MenuFacts,
): Promise<string> {
  const [{ input, select }, rules] = await Promise.all([
    import('@inquirer/prompts'),
    import('../plan/rules.js'),
  ]);
  let versions: string[] = [];
  try {
    versions = await ctx.listRepoVersions(facts.repoUrl);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    facts.warn(`Could not list the chart versions in ${facts.repoUrl}: ${reason}`);
  }
  const typed = '\u0000typed';
  const bundled = bundledChartDefaults().chartVersion;
  const picked = await select({
    message: 'Chart version',
    choices: [
      { value: 'bundled', name: `bundled chart ${bundled} (shipped with this CLI)` },
      ...versions.map((version, index) => ({
        value: version,
        name: `${version}${index === 0 ? ' (newest released)' : ''}${version === facts.currentVersion ? ' (current)' : ''}`,
      })),
      { value: typed, name: 'another released version (type it)' },
    ],
    default: isReleasedChart(facts.currentVersion) ? (versions[0] ?? typed) : 'bundled',
  });
  if (picked !== typed) return picked;
  return (
    await input({
      message: 'Chart version (e.g. 2022.09.23)',
      validate: (value) => rules.chartVersion(value.trim()) ?? true,
    })
  ).trim();
}
