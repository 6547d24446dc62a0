// The answers table (src/plan/answers.ts) is where flags, flagOf, upgrade roles and the upgrade
// menu come from, so these tests hold the table to the code it describes: commander parses every
// row's flag into the row's answer, every rule refuses with the row's flag, and the values each
// changeable answer renders are the sections the table says (checked by rendering, not by reading
// the table back).
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { answersFromFlags } from '../../src/commands/answers-from-flags.js';
import {
  addClusterOptions,
  addInstallOnlyOptions,
  addPlanOptions,
} from '../../src/commands/plan-options.js';
import { InputError } from '../../src/errors.js';
import {
  type AnswerKey,
  answerKeys,
  answerSpecs,
  flagOf,
  keysOfSection,
  sectionIds,
  specOf,
} from '../../src/plan/answers.js';
import { buildPlan, type InstallAnswers } from '../../src/plan/install-plan.js';
import { answersFromValues } from '../../src/values/answers-from-values.js';
import { renderValues } from '../../src/values/render-values.js';
import { wizardSections } from '../../src/wizard/install-wizard.js';

/** A real commander command with every answer's flag, as install defines it. */
function installLike(): Command {
  const command = new Command('install').exitOverride();
  addInstallOnlyOptions(command);
  addClusterOptions(command);
  addPlanOptions(command);
  return command;
}

/** One argv value per kind, valid for the row's rule. */
const sample: Partial<Record<AnswerKey, string>> = {
  context: 'kind-prod',
  kubeconfig: '/tmp/kubeconfig',
  namespace: 'team-a',
  release: 'prefect-b',
  chartSource: 'repo',
  chartVersion: '2022.09.23',
  repoUrl: 'http://127.0.0.1:8879/',
  keyring: '/tmp/keyring.gpg',
  signingKey: '/tmp/mirror.asc',
  database: 'external',
  dbSize: '20Gi',
  dbStorageClass: 'fast',
  dbHost: 'pg.internal',
  dbPort: '6543',
  dbName: 'flows',
  dbUser: 'flow_user',
  dbExistingSecret: 'pg-secret',
  logRetentionDays: '14',
  flowRunRetentionDays: '90',
  agentLabels: 'gpu, big',
  jobCpuRequest: '500m',
  jobCpuLimit: '2',
  jobMemoryRequest: '512Mi',
  jobMemoryLimit: '2Gi',
  jobImagePullPolicy: 'IfNotPresent',
  expose: 'ingress',
  ingressClass: 'nginx',
  apiHost: 'api.example.com',
  uiHost: 'ui.example.com',
  tlsSecret: 'tls-cert',
  apiUrl: 'https://api.example.com/graphql',
  serverTag: 'core-1.4.0',
  prefectTag: '1.4.0',
  uiTag: '2022-09-14',
  tenantName: 'Data Team',
  tenantSlug: 'data-team',
  imagePullSecrets: 'regcred',
  valuesFiles: 'extra.yaml',
  set: 'apollo.replicas=2',
};

describe('the answers table', () => {
  it('commander parses every row’s flag into the row’s answer, by kind', async () => {
    const argv: string[] = [];
    for (const key of answerKeys) {
      const spec = specOf(key);
      if (spec.kind === 'switch' || spec.kind === 'secret') {
        if (spec.kind === 'switch') argv.push(flagOf[key]);
        continue;
      }
      const value = sample[key];
      expect(value, `a sample value for ${key}`).toBeDefined();
      argv.push(flagOf[key], value as string);
    }
    const flags = installLike().parse(argv, { from: 'user' }).opts();
    const answers = await answersFromFlags(flags);
    for (const key of answerKeys) {
      const spec = specOf(key);
      const value = sample[key];
      const expected =
        spec.kind === 'switch'
          ? true
          : spec.kind === 'secret'
            ? undefined
            : spec.kind === 'port'
              ? Number(value)
              : spec.kind === 'list'
                ? ['gpu', 'big']
                : spec.kind === 'repeatable'
                  ? [value]
                  : value;
      expect(answers[key], key).toEqual(expected);
    }
  });

  it('a switch with a --no- form sets false, and a choice outside its list is refused', () => {
    const negatable = answerKeys.filter((key) => specOf(key).negation !== undefined);
    expect(negatable).toEqual(['dbPersistence', 'agent', 'tenant']);
    const flags = installLike()
      .parse(
        negatable.map((key) => `--no-${flagOf[key].slice(2)}`),
        { from: 'user' },
      )
      .opts();
    for (const key of negatable) expect(flags[key], key).toBe(false);
    expect(() => installLike().parse(['--expose', 'nodeport'], { from: 'user' })).toThrow(
      /Allowed choices are port-forward, loadbalancer, ingress/,
    );
  });

  it('every rule of the table refuses at buildPlan with the row’s flag (exit 2)', () => {
    // Answers that make each key legal to give, so the rule (not a combination) is what refuses.
    const contexts: Partial<Record<AnswerKey, InstallAnswers>> = {
      chartVersion: { chartSource: 'repo' },
      repoUrl: { chartSource: 'repo' },
      dbSize: { dbPersistence: true },
      dbStorageClass: { dbPersistence: true },
      dbHost: { database: 'external', dbExistingSecret: 'pg' },
      dbName: { database: 'external', dbHost: 'pg', dbExistingSecret: 'pg' },
      dbUser: { database: 'external', dbHost: 'pg', dbExistingSecret: 'pg' },
      dbExistingSecret: { database: 'external', dbHost: 'pg' },
      agentLabels: { agent: true },
      jobCpuRequest: { agent: true },
      jobCpuLimit: { agent: true },
      jobMemoryRequest: { agent: true },
      jobMemoryLimit: { agent: true },
      ingressClass: { expose: 'ingress', apiHost: 'a.example.com', uiHost: 'u.example.com' },
      apiHost: { expose: 'ingress', uiHost: 'u.example.com' },
      uiHost: { expose: 'ingress', apiHost: 'a.example.com' },
      tlsSecret: { expose: 'ingress', apiHost: 'a.example.com', uiHost: 'u.example.com' },
    };
    const ruled = answerKeys.filter((key) => specOf(key).rule !== undefined);
    expect(ruled.length).toBeGreaterThan(25);
    for (const key of ruled) {
      const kind = specOf(key).kind;
      // Tenant names are free text: only an empty one is refused.
      const word = key === 'tenantName' ? ' ' : 'Not Valid!';
      const bad = kind === 'list' || kind === 'repeatable' ? [word] : word;
      const answers = { ...contexts[key], [key]: bad } as InstallAnswers;
      let thrown: unknown;
      try {
        buildPlan(answers);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, key).toBeInstanceOf(InputError);
      expect((thrown as Error).message, key).toContain(`${flagOf[key]}: `);
    }
  });

  it('each changeable answer renders exactly the values sections its row names', () => {
    // A full plan, then one answer changed at a time: the top-level values that differ are the
    // ones an upgrade must re-render for it.
    const base: InstallAnswers = {
      agent: true,
      agentLabels: ['a'],
      jobCpuRequest: '100m',
      jobCpuLimit: '1',
      jobMemoryRequest: '128Mi',
      jobMemoryLimit: '1Gi',
      jobImagePullPolicy: 'IfNotPresent',
      expose: 'ingress',
      ingressClass: 'nginx',
      apiHost: 'api.example.com',
      uiHost: 'ui.example.com',
      tlsSecret: 'tls',
      serverTag: 'core-1.3.0',
      prefectTag: '1.3.0',
      uiTag: '2022-09-14',
      tenant: true,
      tenantName: 'one',
      tenantSlug: 'one',
      imagePullSecrets: ['regcred'],
      logRetentionDays: '30',
      flowRunRetentionDays: '90',
    };
    const changed: Partial<Record<AnswerKey, InstallAnswers>> = {
      agent: { agent: false, agentLabels: undefined, ...noJob() },
      agentLabels: { agentLabels: ['b'] },
      jobCpuRequest: { jobCpuRequest: '200m' },
      jobCpuLimit: { jobCpuLimit: '2' },
      jobMemoryRequest: { jobMemoryRequest: '256Mi' },
      jobMemoryLimit: { jobMemoryLimit: '2Gi' },
      jobImagePullPolicy: { jobImagePullPolicy: 'Never' },
      expose: {
        expose: 'loadbalancer',
        apiUrl: 'http://lb.example.com:4200/graphql',
        ...noIngress(),
      },
      ingressClass: { ingressClass: 'traefik' },
      apiHost: { apiHost: 'api2.example.com' },
      uiHost: { uiHost: 'ui2.example.com' },
      tlsSecret: { tlsSecret: 'tls2' },
      apiUrl: { apiUrl: 'https://elsewhere.example.com/graphql' },
      serverTag: { serverTag: 'core-1.4.0' },
      prefectTag: { prefectTag: '1.4.0' },
      uiTag: { uiTag: '2022-09-15' },
      tenant: { tenant: false, tenantName: undefined, tenantSlug: undefined },
      tenantName: { tenantName: 'two' },
      tenantSlug: { tenantSlug: 'two' },
      imagePullSecrets: { imagePullSecrets: ['other'] },
      logRetentionDays: { logRetentionDays: '7' },
      flowRunRetentionDays: { flowRunRetentionDays: '60' },
    };
    const before = renderValues(buildPlan(base));
    const changeable = answerKeys.filter((key) => specOf(key).upgrade === 'changeable');
    expect(changeable.sort()).toEqual(Object.keys(changed).sort());
    for (const key of changeable) {
      const after = renderValues(buildPlan({ ...base, ...changed[key] }));
      const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
      const differs = [...keys].filter(
        (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
      );
      expect(differs.sort(), key).toEqual([...specOf(key).renders].sort());
    }
  });

  it('an answer that is one chart value is rendered at its path and read back for upgrade', () => {
    const plan = buildPlan({ agent: true, jobImagePullPolicy: 'IfNotPresent' });
    expect(plan.settings).toEqual([
      { key: 'jobImagePullPolicy', path: 'agent.job.imagePullPolicy', value: 'IfNotPresent' },
    ]);
    const values = renderValues(plan);
    expect(values.agent).toEqual({
      enabled: true,
      prefectLabels: [],
      job: { imagePullPolicy: 'IfNotPresent' },
    });
    expect(answersFromValues(values, 'prefect-server').jobImagePullPolicy).toBe('IfNotPresent');
    // Beside job resources, in the same object.
    const both = renderValues(
      buildPlan({ agent: true, jobCpuLimit: '1', jobImagePullPolicy: 'Never' }),
    );
    expect(both.agent).toMatchObject({
      job: { resources: { limits: { cpu: '1' } }, imagePullPolicy: 'Never' },
    });
    // The chart's "not set" is not an answer; without the agent the key means nothing.
    expect(
      answersFromValues({ agent: { enabled: true, job: { imagePullPolicy: '' } } }, 'r')
        .jobImagePullPolicy,
    ).toBeUndefined();
    expect(
      answersFromValues({ agent: { enabled: false, job: { imagePullPolicy: 'Never' } } }, 'r')
        .jobImagePullPolicy,
    ).toBeUndefined();
    expect(() => buildPlan({ jobImagePullPolicy: 'Never' })).toThrow(
      /^--job-image-pull-policy needs --agent\.$/,
    );
  });

  it('kept answers are the database’s and the namespace’s; ignored ones name the target, chart or extras', () => {
    const role = (r: string) => answerKeys.filter((key) => specOf(key).upgrade === r);
    expect(role('kept')).toEqual([
      'createNamespace',
      'database',
      'dbPersistence',
      'dbStorageClass',
      'dbHost',
      'dbPort',
      'dbName',
      'dbUser',
      'dbExistingSecret',
      'dbPassword',
    ]);
    expect(role('resized')).toEqual(['dbSize']);
    for (const key of role('ignored'))
      expect(['target', 'chart', 'extra'], key).toContain(specOf(key).section);
  });

  it('every section is the wizard’s, and the upgrade menu offers exactly the changeable ones', () => {
    expect(wizardSections.map((s) => s.id)).toEqual(sectionIds.filter((id) => id !== 'extra'));
    for (const id of sectionIds) expect(keysOfSection(id).length, id).toBeGreaterThan(0);
    const offered = wizardSections.filter((s) => s.upgradeTitle !== undefined).map((s) => s.id);
    const allChangeable = sectionIds.filter((id) =>
      keysOfSection(id).every((key) => answerSpecs[key].upgrade === 'changeable'),
    );
    expect(offered).toEqual(allChangeable);
  });
});

function noJob(): InstallAnswers {
  return {
    jobCpuRequest: undefined,
    jobCpuLimit: undefined,
    jobMemoryRequest: undefined,
    jobMemoryLimit: undefined,
    jobImagePullPolicy: undefined,
  };
}

function noIngress(): InstallAnswers {
  return { ingressClass: undefined, apiHost: undefined, uiHost: undefined, tlsSecret: undefined };
}
