// The upgrade menu, shown when upgrade runs in a terminal without change flags: the user picks
// what to change (the wizard's changeable sections, volume size, chart version) and only those
// sections of the wizard run; every other answer stays as the release has it.

import {
  answerSpecs,
  keysOfSection,
  ruleOf,
  type SectionId,
  sectionsRenderedBy,
} from '../plan/answers.js';
import type { InstallAnswers } from '../plan/install-plan.js';
import { bundledChartDefaults } from '../release/chart-source.js';
import { isReleasedChart } from '../release/released-chart.js';
import type { HelmRelease } from '../tools/helm.js';
import type { Kubectl } from '../tools/kubectl.js';
import { wizardContextFromCluster } from './cluster-context.js';
import { askInstallAnswers, wizardSections } from './install-wizard.js';
import { Prompter, refuse, type WizardIO } from './prompter.js';

export async function pickRelease(candidates: HelmRelease[]): Promise<HelmRelease> {
  return new Prompter().select({
    message: 'Which release?',
    choices: candidates.map((r) => ({
      name: `${r.namespace}/${r.name} (${r.chart}, ${r.status})`,
      value: r,
    })),
  });
}

export interface MenuFacts {
  /** The bundled database's volume, when it has one (the size entry is offered only then). */
  volume:
    | { request: string; storageClass: string | undefined; allowExpansion: boolean }
    | undefined;
  /** Why a typed volume size cannot be had (it can grow, not shrink), or undefined. */
  sizeProblem: (size: string) => string | undefined;
  currentVersion: string;
  repoUrl: string;
  context: string | undefined;
  warn: (text: string) => void;
}

export interface MenuChoice {
  answers: InstallAnswers;
  /** The top-level values the chosen sections render: the ones an upgrade re-renders. */
  sections: Set<string>;
  /** A new size for the database volume. */
  dbSize?: string;
  /** 'bundled', or a released chart version (taken as --version). */
  chart?: string;
}

/** Sections an upgrade can change: every answer in them is changeable (plan/answers.ts). */
const changeableSections = wizardSections.flatMap(({ id, upgradeTitle }) =>
  upgradeTitle !== undefined &&
  keysOfSection(id).every((key) => answerSpecs[key].upgrade === 'changeable')
    ? [{ id, title: upgradeTitle }]
    : [],
);

/** The upgrade menu: the user picks sections; only those are asked, with earlier answers kept. */
export async function askWhatToChange(
  answers: InstallAnswers,
  kubectl: Kubectl,
  facts: MenuFacts,
  io?: WizardIO,
): Promise<MenuChoice> {
  const p = new Prompter(io);
  const menu: { name: string; value: string; disabled?: string }[] = changeableSections.map(
    ({ id, title }) => ({ name: title, value: id }),
  );
  const { volume } = facts;
  if (volume) {
    menu.push({
      name: `database volume size (now ${volume.request})`,
      value: 'dbsize',
      ...(!volume.allowExpansion && {
        disabled: `(StorageClass ${volume.storageClass ?? 'none'} does not allow volume expansion)`,
      }),
    });
  }
  menu.push({ name: `chart version (now ${facts.currentVersion})`, value: 'chart' });
  const picked = await p.checkbox({ message: 'What do you want to change?', choices: menu });
  const chosen = new Set(
    changeableSections.filter(({ id }) => picked.includes(id)).map(({ id }) => id),
  ) as Set<SectionId>;
  const next: InstallAnswers = { ...answers };
  // A chosen section is asked afresh; the others are not asked at all.
  for (const section of chosen) for (const key of keysOfSection(section)) delete next[key];
  const ctx = await wizardContextFromCluster(kubectl, (c) => kubectl.withContext(c));
  // The release's cluster is known: the wizard reads its facts there.
  next.context ??= facts.context ?? ctx.contexts.current;
  const asked = await askInstallAnswers(next, ctx, io, chosen);
  if (answers.context === undefined) delete asked.context;
  const result: MenuChoice = {
    answers: asked,
    sections: sectionsRenderedBy([...chosen].flatMap((section) => keysOfSection(section))),
  };
  if (volume && picked.includes('dbsize')) {
    result.dbSize = await p.input({
      message: `Database volume size (now ${volume.request}; it can grow, not shrink)`,
      default: volume.request,
      validate: (value) => facts.sizeProblem(value) ?? true,
    });
  }
  if (picked.includes('chart')) result.chart = await askChartVersion(p, ctx, facts);
  return result;
}

/** The bundled chart, the repository's released versions when it answers, or a typed version. */
async function askChartVersion(
  p: Prompter,
  ctx: { listRepoVersions(repoUrl: string): Promise<string[]> },
  facts: MenuFacts,
): Promise<string> {
  let versions: string[] = [];
  try {
    versions = await ctx.listRepoVersions(facts.repoUrl);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    facts.warn(`Could not list the chart versions in ${facts.repoUrl}: ${reason}`);
  }
  const typed = '\u0000typed';
  const bundled = bundledChartDefaults().chartVersion;
  const picked = await p.select({
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
  return p.input({
    message: 'Chart version (e.g. 2022.09.23)',
    validate: refuse(ruleOf('chartVersion')),
  });
}
