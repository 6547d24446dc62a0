// Drives the real @inquirer/prompts in-process, keystroke by keystroke: the input is a PassThrough
// that claims to be a TTY, the output collects everything the prompts draw. Each step waits for
// its prompt's text to appear before typing, the way a person would.

import { PassThrough, Writable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildPlan, defaults, type InstallAnswers } from '../../src/plan/install-plan.js';
import * as rules from '../../src/plan/rules.js';
import { SecretValue } from '../../src/plan/secret-value.js';
import { renderValues } from '../../src/values/render-values.js';
import { askInstallAnswers, slugOf } from '../../src/wizard/install-wizard.js';
import type { ClusterFacts, WizardContext } from '../../src/wizard/wizard-context.js';

const ENTER = '\r';
const DOWN = '\x1b[B';
/** Ctrl+U: clears the line, which inquirer keeps after a refused answer. */
const CLEAR = '\x15';

class Terminal {
  readonly input = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode(): void {},
  });
  readonly output: Writable;
  #raw = '';
  #cursor = 0;

  constructor() {
    // Wide enough that no prompt line wraps: the wrapping would split the texts waited for.
    this.output = Object.assign(
      new Writable({
        write: (chunk: Buffer, _encoding, callback) => {
          this.#raw += chunk.toString();
          callback();
        },
      }),
      { isTTY: true, columns: 400, rows: 60 },
    );
  }

  /** Everything drawn so far, escape sequences included. */
  get raw(): string {
    return this.#raw;
  }

  /** What a person would have read, without colours and cursor moves. */
  get screen(): string {
    return stripVTControlCharacters(this.#raw);
  }

  /** Waits until `text` appears after the last text waited for, and moves past it. */
  async waitFor(text: string, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.screen.indexOf(text, this.#cursor);
      if (at >= 0) {
        this.#cursor = at + text.length;
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `"${text}" did not appear. Screen after the last step:\n${this.screen.slice(this.#cursor)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async type(...keys: string[]): Promise<void> {
    for (const key of keys) {
      this.input.write(key);
      await tick();
    }
  }

  /** Waits for a prompt, then answers it. */
  async answer(prompt: string, ...keys: string[]): Promise<void> {
    await this.waitFor(prompt);
    await this.type(...keys);
  }
}

const facts: ClusterFacts = {
  namespaces: ['default', 'kube-system', 'team-a'],
  // The defaults are listed second, so taking the first would be caught.
  storageClasses: [
    { name: 'fast-ssd', isDefault: false },
    { name: 'standard', isDefault: true },
  ],
  ingressClasses: [
    { name: 'traefik', isDefault: false },
    { name: 'nginx', isDefault: true },
  ],
};

// The bundled chart's pins (chart/values.yaml): UI tags are dates with dashes.
const chartDefaults = { serverTag: '2022.09.23', prefectTag: '1.4.0', uiTag: '2022-09-14' };

interface FakeOptions {
  contexts?: string[];
  current?: string;
  facts?: Partial<ClusterFacts>;
  versions?: string[] | Error;
  /** Secret name → why it cannot hold the password; any other name is fine. */
  secretProblems?: Record<string, string>;
}

function fakeContext(options: FakeOptions = {}) {
  const calls = {
    loadFacts: [] as (string | undefined)[],
    listRepoVersions: [] as string[],
    checkExistingSecret: [] as [string | undefined, string, string][],
  };
  const ctx: WizardContext = {
    contexts: {
      names: options.contexts ?? ['prod', 'kind-dev'],
      current: options.current ?? 'kind-dev',
    },
    loadFacts: async (context) => {
      calls.loadFacts.push(context);
      return { ...facts, ...options.facts };
    },
    chartDefaults,
    listRepoVersions: async (url) => {
      calls.listRepoVersions.push(url);
      const versions = options.versions ?? ['2022.09.23', '2022.09.07', '2022.04.14'];
      if (versions instanceof Error) throw versions;
      return versions;
    },
    checkExistingSecret: async (context, namespace, name) => {
      calls.checkExistingSecret.push([context, namespace, name]);
      return options.secretProblems?.[name];
    },
  };
  return { ctx, calls };
}

/** Answers for every section, as flags would give them; a test removes the ones it asks for. */
const everything: InstallAnswers = {
  context: 'kind-dev',
  namespace: 'team-a',
  release: 'prefect-server',
  chartSource: 'bundled',
  database: 'bundled',
  dbPersistence: false,
  logRetentionDays: '0',
  agent: false,
  expose: 'port-forward',
  serverTag: chartDefaults.serverTag,
  tenant: false,
  imagePullSecrets: [],
};

function flagsExcept(...asked: (keyof InstallAnswers)[]): InstallAnswers {
  const given: InstallAnswers = { ...everything };
  for (const key of asked) delete given[key];
  return given;
}

/** Runs the wizard against a script of keystrokes; fails if it asks anything the script does not. */
async function converse(
  given: InstallAnswers,
  ctx: WizardContext,
  script: (terminal: Terminal) => Promise<void>,
): Promise<{ answers: InstallAnswers; terminal: Terminal }> {
  const terminal = new Terminal();
  const wizard = askInstallAnswers(given, ctx, { input: terminal.input, output: terminal.output });
  await Promise.all([wizard, script(terminal)]);
  const answers = await Promise.race([
    wizard,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`wizard still asking:\n${terminal.screen.slice(-500)}`)),
        1000,
      ),
    ),
  ]);
  return { answers, terminal };
}

describe('install wizard', () => {
  it('takes every default with Enter: bundled database on a volume, port-forward, default tenant', async () => {
    const { ctx, calls } = fakeContext();
    const { answers, terminal } = await converse({}, ctx, async (t) => {
      await t.answer('Kubernetes context', ENTER);
      await t.answer('Namespace to install into (prefect)', ENTER);
      await t.answer('Namespace prefect does not exist. Create it? (Y/n)', ENTER);
      await t.answer('Release name (prefect-server)', ENTER);
      await t.answer('the chart shipped with this CLI, works offline', ENTER);
      await t.answer('a PostgreSQL pod in the release', ENTER);
      await t.answer('Keep the database on a persistent volume? (Y/n)', ENTER);
      await t.answer('Database volume size (8Gi)', ENTER);
      await t.answer('StorageClass of the database volume', ENTER);
      await t.answer(
        'Delete logs older than how many days, every night? (0: keep all logs) (0)',
        ENTER,
      );
      await t.answer('Deploy the Prefect Kubernetes agent? (y/N)', ENTER);
      await t.answer('How will you reach the UI and the API?', ENTER);
      await t.answer(
        "Use the chart's image versions (server 2022.09.23, Prefect Core 1.4.0, UI 2022-09-14)? (Y/n)",
        ENTER,
      );
      await t.answer('Create a tenant at install? (the UI and agents need one) (Y/n)', ENTER);
      await t.answer('Tenant name (default)', ENTER);
      await t.answer('Tenant slug (default)', ENTER);
      await t.answer('Image pull Secrets (comma-separated, blank: none)', ENTER);
    });

    expect(answers).toEqual({
      context: 'kind-dev',
      namespace: 'prefect',
      createNamespace: true,
      release: 'prefect-server',
      chartSource: 'bundled',
      database: 'bundled',
      dbPersistence: true,
      dbSize: '8Gi',
      dbStorageClass: 'standard',
      logRetentionDays: '0',
      agent: false,
      expose: 'port-forward',
      tenant: true,
      tenantName: 'default',
      tenantSlug: 'default',
      imagePullSecrets: [],
    });
    expect(calls.loadFacts).toEqual(['kind-dev']);
    expect(terminal.screen).toContain('kind-dev (current)');
    expect(terminal.screen).toContain('standard (default)');

    const plan = buildPlan(answers);
    expect(plan.namespace).toBe('prefect');
    expect(plan.createNamespace).toBe(true);
    expect(plan.chart).toEqual({ source: 'bundled' });
    expect(plan.database).toEqual({
      mode: 'bundled',
      persistence: { enabled: true, size: '8Gi', storageClass: 'standard' },
    });
    expect(plan.exposure).toEqual({ mode: 'port-forward' });
    expect(plan.apiUrl).toBe(defaults.portForwardApiUrl);
    expect(plan.tenant).toEqual({ create: true, name: 'default', slug: 'default' });
    expect(plan.versions).toEqual({ server: undefined, prefect: undefined, ui: undefined });
  });

  it('refuses a bad namespace at its prompt with the rule it broke, and asks again', async () => {
    const { ctx } = fakeContext();
    const { answers, terminal } = await converse(flagsExcept('namespace'), ctx, async (t) => {
      await t.answer('Namespace to install into', 'Bad_Namespace', ENTER);
      await t.waitFor(rules.namespaceName('Bad_Namespace') as string);
      await t.type(CLEAR, 'brand-new', ENTER);
      // Declining to create it means choosing another.
      await t.answer('Namespace brand-new does not exist. Create it?', 'n', ENTER);
      await t.waitFor('Namespace brand-new will not be created: choose another.');
      await t.answer('Namespace to install into', 'team-a', ENTER);
    });
    expect(terminal.screen).toContain(
      `Namespace "Bad_Namespace" must consist of lowercase letters, digits and '-'`,
    );
    expect(answers.namespace).toBe('team-a');
    expect(answers.createNamespace).toBeUndefined();
    expect(terminal.screen).not.toContain('Namespace team-a does not exist');
    expect(buildPlan(answers).namespace).toBe('team-a');
  });

  it('ends with the flags to fix when a given namespace is missing and not to be created', async () => {
    const { ctx } = fakeContext();
    const terminal = new Terminal();
    const wizard = askInstallAnswers({ ...everything, namespace: 'ghost' }, ctx, terminal);
    const failed = expect(wizard).rejects.toThrow(
      'Namespace ghost does not exist, and it is not to be created.',
    );
    // A flag cannot be asked again, so declining leaves nothing to install into.
    await terminal.answer('Namespace ghost does not exist. Create it?', 'n', ENTER);
    await failed;
    expect(terminal.screen).not.toContain('Namespace to install into');
  });

  it('external database with an existing Secret: the checker refuses one, accepts another', async () => {
    const { ctx, calls } = fakeContext({
      contexts: ['only'],
      current: 'only',
      secretProblems: {
        'wrong-secret': 'Secret wrong-secret has no key postgresql-password.',
      },
    });
    const given = flagsExcept('context', 'database', 'dbPersistence');
    const { answers, terminal } = await converse(given, ctx, async (t) => {
      await t.answer('a PostgreSQL pod in the release', DOWN, ENTER);
      await t.waitFor('CREATE EXTENSION IF NOT EXISTS pgcrypto;');
      await t.waitFor('Check it any time with: prefect-server doctor --category database');
      await t.answer('Database host', 'pg.internal', ENTER);
      await t.answer('Database port (5432)', ENTER);
      await t.answer('Database name (prefect)', ENTER);
      await t.answer('Database user (prefect)', 'prefect_app', ENTER);
      await t.answer('Where is the password of database user prefect_app?', ENTER);
      await t.answer('Secret in namespace team-a holding the password', 'Bad_Secret', ENTER);
      await t.waitFor('(DNS-1123 subdomain)');
      await t.type(CLEAR, 'wrong-secret', ENTER);
      await t.waitFor('Secret wrong-secret has no key postgresql-password.');
      await t.type(CLEAR, 'prefect-db', ENTER);
    });

    const screen = terminal.screen;
    expect(screen.indexOf('CREATE EXTENSION IF NOT EXISTS "pg_trgm";')).toBeLessThan(
      screen.indexOf('Database host'),
    );
    expect(screen).not.toContain('Kubernetes context');
    expect(calls.checkExistingSecret).toEqual([
      ['only', 'team-a', 'wrong-secret'],
      ['only', 'team-a', 'prefect-db'],
    ]);
    expect(answers).toMatchObject({
      context: 'only',
      database: 'external',
      dbHost: 'pg.internal',
      dbPort: 5432,
      dbName: 'prefect',
      dbUser: 'prefect_app',
      dbExistingSecret: 'prefect-db',
    });
    expect(answers.dbPassword).toBeUndefined();
    expect(buildPlan(answers).database).toEqual({
      mode: 'external',
      host: 'pg.internal',
      port: 5432,
      database: 'prefect',
      user: 'prefect_app',
      password: { source: 'existing-secret', secretName: 'prefect-db' },
    });
  });

  it('external database with a typed password: a SecretValue, never echoed', async () => {
    const typed = 's3cr3t-Typed!';
    const { ctx } = fakeContext();
    const given = flagsExcept('database', 'dbPersistence');
    const { answers, terminal } = await converse(given, ctx, async (t) => {
      await t.answer('a PostgreSQL pod in the release', DOWN, ENTER);
      await t.answer('Database host', '10.0.0.5', ENTER);
      await t.answer('Database port', CLEAR, '6432', ENTER);
      await t.answer('Database name', 'prefect_prod', ENTER);
      await t.answer('Database user', ENTER);
      await t.answer('Where is the password of database user prefect?', DOWN, ENTER);
      await t.answer('Password of database user prefect', ENTER);
      await t.waitFor('The password must not be empty.');
      await t.type(...typed.split(''), ENTER);
      await t.waitFor('*'.repeat(typed.length));
    });

    expect(answers.dbPassword).toBeInstanceOf(SecretValue);
    expect(answers.dbPassword?.reveal()).toBe(typed);
    expect(terminal.raw).not.toContain('s3cr3t');
    expect(JSON.stringify(answers)).not.toContain('s3cr3t');
    expect(answers).toMatchObject({ dbHost: '10.0.0.5', dbPort: 6432, dbName: 'prefect_prod' });
    const plan = buildPlan(answers);
    expect(plan.database).toMatchObject({
      mode: 'external',
      port: 6432,
      password: { source: 'new-secret', secretName: 'prefect-server-postgresql-external' },
    });
  });

  it('goes straight to a typed password when the namespace is to be created', async () => {
    const { ctx } = fakeContext();
    const given = { ...everything, namespace: 'fresh', createNamespace: true };
    delete given.database;
    delete given.dbPersistence;
    const { answers, terminal } = await converse(
      { ...given, dbHost: 'pg.internal', dbPort: 5432, dbName: 'prefect', dbUser: 'prefect' },
      ctx,
      async (t) => {
        await t.waitFor('Namespace fresh is new, so the password goes into a new Secret there.');
        await t.answer('Password of database user prefect', 'pw', ENTER);
      },
    );
    expect(terminal.screen).not.toContain('Where is the password');
    expect(terminal.screen).not.toContain('a PostgreSQL pod in the release');
    expect(answers.database).toBe('external');
    expect(answers.dbPassword?.reveal()).toBe('pw');
    expect(buildPlan(answers).database.mode).toBe('external');
  });

  it('ingress: class, hosts with their rules, TLS, and an API URL derived rather than asked', async () => {
    const { ctx } = fakeContext();
    const { answers, terminal } = await converse(flagsExcept('expose'), ctx, async (t) => {
      await t.answer('How will you reach the UI and the API?', DOWN, DOWN, ENTER);
      await t.answer('IngressClass', ENTER);
      await t.answer('Host name of the API', 'http://api.example.com', ENTER);
      await t.waitFor('must be a bare host name, without "http://" or "https://".');
      await t.type(CLEAR, 'api.example.com', ENTER);
      await t.answer('Host name of the UI', 'api.example.com', ENTER);
      await t.waitFor('The UI needs a host of its own: api.example.com already serves the API.');
      await t.type(CLEAR, 'prefect.example.com', ENTER);
      await t.answer('TLS Secret for both hosts (blank: plain HTTP)', 'prefect-tls', ENTER);
      await t.waitFor('The UI will call the API at https://api.example.com/graphql');
    });

    expect(terminal.screen).toContain('nginx (default)');
    expect(terminal.screen).not.toContain('API URL for browsers');
    expect(answers).toMatchObject({
      expose: 'ingress',
      ingressClass: 'nginx',
      apiHost: 'api.example.com',
      uiHost: 'prefect.example.com',
      tlsSecret: 'prefect-tls',
    });
    expect(answers.apiUrl).toBeUndefined();
    const plan = buildPlan(answers);
    expect(plan.exposure).toEqual({
      mode: 'ingress',
      ingressClass: 'nginx',
      apiHost: 'api.example.com',
      uiHost: 'prefect.example.com',
      tlsSecret: 'prefect-tls',
    });
    expect(plan.apiUrl).toBe('https://api.example.com/graphql');
  });

  it('loadbalancer: explains why, then asks the API URL and refuses a bare host', async () => {
    const { ctx } = fakeContext();
    const url = 'http://prefect-api.example.com:4200/graphql';
    const { answers } = await converse(flagsExcept('expose'), ctx, async (t) => {
      await t.answer('How will you reach the UI and the API?', DOWN, ENTER);
      await t.waitFor('it cannot be derived before the load balancer has an address');
      await t.answer('API URL for browsers', 'prefect-api.example.com', ENTER);
      await t.waitFor('"prefect-api.example.com" is not a URL');
      await t.type(CLEAR, url, ENTER);
    });
    expect(answers).toMatchObject({ expose: 'loadbalancer', apiUrl: url });
    const plan = buildPlan(answers);
    expect(plan.exposure).toEqual({ mode: 'loadbalancer' });
    expect(plan.apiUrl).toBe(url);
  });

  it('agent with labels and flow-run job resources, each checked at its prompt', async () => {
    const { ctx } = fakeContext();
    const { answers } = await converse(flagsExcept('agent'), ctx, async (t) => {
      await t.answer('Deploy the Prefect Kubernetes agent? (y/N)', 'y', ENTER);
      await t.answer('Prefect labels of the agent', 'etl, big data', ENTER);
      await t.waitFor('Prefect label "big data" must not contain commas or spaces.');
      await t.type(CLEAR, ' etl, gpu,, nightly ', ENTER);
      await t.answer('Set CPU/memory for flow-run jobs? (y/N)', 'y', ENTER);
      await t.answer('CPU request of each flow-run job', '500m', ENTER);
      await t.answer('CPU limit of each flow-run job', ENTER);
      await t.answer('Memory request of each flow-run job', 'lots', ENTER);
      await t.waitFor('Job resource "lots" is not a Kubernetes quantity');
      await t.type(CLEAR, '512Mi', ENTER);
      await t.answer('Memory limit of each flow-run job', '2Gi', ENTER);
      await t.answer('Image pull policy of each flow-run job', ENTER);
    });
    expect(answers.agent).toBe(true);
    expect('jobImagePullPolicy' in answers).toBe(false);
    expect(answers.agentLabels).toEqual(['etl', 'gpu', 'nightly']);
    expect('jobCpuLimit' in answers).toBe(false);
    expect(buildPlan(answers).agent).toEqual({
      enabled: true,
      labels: ['etl', 'gpu', 'nightly'],
      job: { cpuRequest: '500m', cpuLimit: undefined, memoryRequest: '512Mi', memoryLimit: '2Gi' },
    });
  });

  it('asks the pull policy of flow-run jobs with their resources; a flag answers it', async () => {
    const { ctx } = fakeContext();
    const { answers } = await converse(flagsExcept('agent'), ctx, async (t) => {
      await t.answer('Deploy the Prefect Kubernetes agent? (y/N)', 'y', ENTER);
      await t.answer('Prefect labels of the agent', ENTER);
      await t.answer('Set CPU/memory for flow-run jobs? (y/N)', 'y', ENTER);
      for (const what of ['CPU request', 'CPU limit', 'Memory request', 'Memory limit'])
        await t.answer(`${what} of each flow-run job`, ENTER);
      await t.answer('Image pull policy of each flow-run job', DOWN, ENTER);
    });
    expect(answers.jobImagePullPolicy).toBe('IfNotPresent');
    expect(renderValues(buildPlan(answers)).agent).toMatchObject({
      job: { imagePullPolicy: 'IfNotPresent' },
    });
    // Given as a flag, it means the agent and asks nothing more about jobs.
    const flagged = await converse(
      { ...flagsExcept('agent'), jobImagePullPolicy: 'Never' },
      ctx,
      async (t) => {
        await t.answer('Prefect labels of the agent', ENTER);
      },
    );
    expect(flagged.answers.agent).toBe(true);
    expect(flagged.answers.jobImagePullPolicy).toBe('Never');
  });

  it('never asks what the flags already answered', async () => {
    const { ctx, calls } = fakeContext();
    const given: InstallAnswers = {
      context: 'prod',
      namespace: 'team-a',
      release: 'etl',
      database: 'external',
      dbHost: 'pg.internal',
      dbExistingSecret: 'pg-secret',
    };
    const before = structuredClone(given);
    const { answers, terminal } = await converse(given, ctx, async (t) => {
      await t.answer('the chart shipped with this CLI', ENTER);
      await t.answer('Database port', ENTER);
      await t.answer('Database name', ENTER);
      await t.answer('Database user', ENTER);
      await t.answer('Delete logs older than how many days', 'x', ENTER);
      await t.waitFor('Retention "x" must be a whole number of days');
      await t.type(CLEAR, '14', ENTER);
      await t.answer('Deploy the Prefect Kubernetes agent?', ENTER);
      await t.answer('How will you reach the UI and the API?', ENTER);
      await t.answer("Use the chart's image versions", ENTER);
      await t.answer('Create a tenant at install?', 'n', ENTER);
      await t.answer('Image pull Secrets', 'regcred', ENTER);
    });
    for (const prompt of [
      'Kubernetes context',
      'Namespace to install into',
      'does not exist',
      'Release name',
      'a PostgreSQL pod in the release',
      'Database host',
      'Where is the password',
      'Tenant name',
    ]) {
      expect(terminal.screen).not.toContain(prompt);
    }
    expect(given).toEqual(before);
    expect(calls.loadFacts).toEqual(['prod']);
    expect(calls.checkExistingSecret).toEqual([]);
    expect(answers).toMatchObject({
      ...given,
      logRetentionDays: '14',
      tenant: false,
      imagePullSecrets: ['regcred'],
    });
    expect(buildPlan(answers).release).toBe('etl');
    expect(buildPlan(answers).retention).toEqual({
      logsOlderThanDays: 14,
      flowRunsOlderThanDays: 0,
    });
  });

  it('takes the mode a flag implies instead of asking it', async () => {
    const { ctx } = fakeContext();
    const given: InstallAnswers = {
      // A released chart: no retention CronJob, so the question is not asked either.
      ...flagsExcept(
        'database',
        'dbPersistence',
        'agent',
        'expose',
        'tenant',
        'chartSource',
        'logRetentionDays',
      ),
      dbSize: '20Gi',
      agentLabels: ['etl'],
      apiHost: 'api.example.com',
      uiHost: 'ui.example.com',
      ingressClass: 'traefik',
      tlsSecret: 'tls',
      tenantSlug: 'data',
      chartVersion: '2022.09.07',
    };
    const { answers, terminal } = await converse(given, ctx, async (t) => {
      await t.answer('Chart repository URL', ENTER);
      await t.answer('Verify the chart signature?', ENTER);
      await t.answer('StorageClass of the database volume', DOWN, ENTER);
      await t.answer('Set CPU/memory for flow-run jobs?', ENTER);
      await t.answer('Tenant name', ENTER);
    });
    for (const prompt of [
      'the chart shipped with this CLI',
      'Chart version',
      'a PostgreSQL pod in the release',
      'persistent volume',
      'Database volume size',
      'Deploy the Prefect Kubernetes agent?',
      'Prefect labels',
      'How will you reach',
      'Create a tenant at install?',
      'Delete logs older than',
    ]) {
      expect(terminal.screen).not.toContain(prompt);
    }
    expect(answers.logRetentionDays).toBeUndefined();
    expect(answers).toMatchObject({
      chartSource: 'repo',
      repoUrl: defaults.repoUrl,
      database: 'bundled',
      dbPersistence: true,
      dbSize: '20Gi',
      dbStorageClass: 'fast-ssd',
      agent: true,
      expose: 'ingress',
      tenant: true,
      tenantName: 'default',
      tenantSlug: 'data',
    });
    expect(buildPlan(answers).chart).toMatchObject({ source: 'repo', version: '2022.09.07' });
  });

  it('released chart: offers the repository versions, newest first and default', async () => {
    const { ctx, calls } = fakeContext();
    const { answers, terminal } = await converse(flagsExcept('chartSource'), ctx, async (t) => {
      await t.answer('the chart shipped with this CLI', DOWN, ENTER);
      await t.answer(`Chart repository URL (${defaults.repoUrl})`, ENTER);
      await t.answer('Chart version', DOWN, ENTER);
      await t.answer('Verify the chart signature?', ENTER);
    });
    expect(calls.listRepoVersions).toEqual([defaults.repoUrl]);
    expect(terminal.screen).toContain('2022.09.23 (newest)');
    expect(answers).toMatchObject({ chartSource: 'repo', chartVersion: '2022.09.07' });
    expect(buildPlan(answers).chart).toMatchObject({
      source: 'repo',
      repoUrl: defaults.repoUrl,
      version: '2022.09.07',
    });
  });

  it('released chart offline: says why in one line and asks the version as text', async () => {
    const { ctx } = fakeContext({
      versions: new Error(
        'helm repo add: dial tcp: lookup prefecthq.github.io: no such host\nstack detail',
      ),
    });
    const { answers, terminal } = await converse(flagsExcept('chartSource'), ctx, async (t) => {
      await t.answer('the chart shipped with this CLI', DOWN, ENTER);
      await t.answer('Chart repository URL', ENTER);
      await t.waitFor(
        `Could not list the chart versions in ${defaults.repoUrl}: helm repo add: dial tcp: lookup prefecthq.github.io: no such host`,
      );
      await t.answer('Chart version (e.g. 2022.09.23)', 'latest', ENTER);
      await t.waitFor('Chart version "latest" must look like 2022.09.23 or 1.2.3.');
      await t.type(CLEAR, '2022.09.23', ENTER);
      await t.answer('Verify the chart signature?', 'y', ENTER);
    });
    expect(terminal.screen).not.toContain('stack detail');
    expect(answers.chartVersion).toBe('2022.09.23');
    expect(buildPlan(answers).chart).toMatchObject({ version: '2022.09.23', verify: true });
  });

  it('a cluster with one context and no classes: no context question, classes typed', async () => {
    const { ctx, calls } = fakeContext({
      contexts: ['only'],
      current: 'only',
      facts: { storageClasses: [], ingressClasses: [] },
    });
    const given = flagsExcept('context', 'dbPersistence', 'expose');
    const { answers, terminal } = await converse(given, ctx, async (t) => {
      // No default StorageClass: a volume is not the default.
      await t.answer('Keep the database on a persistent volume? (y/N)', 'y', ENTER);
      await t.answer('Database volume size', ENTER);
      await t.waitFor('The cluster has no StorageClass');
      await t.answer('StorageClass of the database volume', 'local-path', ENTER);
      await t.answer('How will you reach the UI and the API?', DOWN, DOWN, ENTER);
      await t.waitFor('The cluster has no IngressClass');
      await t.answer('IngressClass (blank: none)', ENTER);
      await t.answer('Host name of the API', 'api.example.com', ENTER);
      await t.answer('Host name of the UI', 'prefect.example.com', ENTER);
      await t.answer('TLS Secret for both hosts', ENTER);
      await t.waitFor('The UI will call the API at http://api.example.com/graphql');
    });
    expect(terminal.screen).not.toContain('Kubernetes context');
    expect(calls.loadFacts).toEqual(['only']);
    expect(answers).toMatchObject({ context: 'only', dbStorageClass: 'local-path' });
    expect('ingressClass' in answers).toBe(false);
    expect('tlsSecret' in answers).toBe(false);
    const plan = buildPlan(answers);
    expect(plan.database).toEqual({
      mode: 'bundled',
      persistence: { enabled: true, size: '8Gi', storageClass: 'local-path' },
    });
    expect(plan.apiUrl).toBe('http://api.example.com/graphql');
  });

  it('no volume without a default StorageClass, and a warning about what that costs', async () => {
    const { ctx } = fakeContext({ facts: { storageClasses: [] } });
    const { answers } = await converse(flagsExcept('dbPersistence'), ctx, async (t) => {
      await t.answer('Keep the database on a persistent volume? (y/N)', ENTER);
      await t.waitFor('Without a volume, all flow runs are lost when the pod restarts.');
    });
    expect(answers.dbPersistence).toBe(false);
    expect(buildPlan(answers).database).toEqual({
      mode: 'bundled',
      persistence: { enabled: false },
    });
  });

  it('image versions, tenant and pull secrets: only changed tags kept, slug from the name', async () => {
    const { ctx } = fakeContext();
    const given = flagsExcept('serverTag', 'tenant', 'imagePullSecrets');
    const { answers } = await converse(given, ctx, async (t) => {
      await t.answer("Use the chart's image versions", 'n', ENTER);
      await t.answer('Server image tag (apollo, graphql, towel) (2022.09.23)', ENTER);
      await t.answer('Prefect Core image tag (agent, tenant job) (1.4.0)', CLEAR, '1.3.0', ENTER);
      await t.answer('UI image tag (a date with dashes)', CLEAR, 'bad tag!', ENTER);
      await t.waitFor('Image tag "bad tag!" must be 1 to 128');
      // A server-style dotted date names a UI image that was never pushed.
      await t.type(CLEAR, '2022.09.01', ENTER);
      await t.waitFor('UI image tag "2022.09.01" does not exist');
      await t.type(CLEAR, '2022-09-01', ENTER);
      await t.answer('Create a tenant at install?', ENTER);
      await t.answer('Tenant name (default)', 'Data Team', ENTER);
      await t.answer('Tenant slug (data-team)', ENTER);
      await t.answer('Image pull Secrets', 'regcred, Mirror', ENTER);
      await t.waitFor('Image pull Secret "Mirror" must be lowercase');
      await t.type(CLEAR, 'regcred, mirror-creds', ENTER);
    });
    expect('serverTag' in answers).toBe(false);
    expect(answers).toMatchObject({
      prefectTag: '1.3.0',
      uiTag: '2022-09-01',
      tenant: true,
      tenantName: 'Data Team',
      tenantSlug: 'data-team',
      imagePullSecrets: ['regcred', 'mirror-creds'],
    });
    const plan = buildPlan(answers);
    expect(plan.versions).toEqual({ server: undefined, prefect: '1.3.0', ui: '2022-09-01' });
    expect(plan.tenant).toEqual({ create: true, name: 'Data Team', slug: 'data-team' });
    expect(plan.imagePullSecrets).toEqual(['regcred', 'mirror-creds']);
  });

  it('derives tenant slugs the API accepts', () => {
    expect(slugOf('Data Team')).toBe('data-team');
    expect(slugOf('  ETL -- nightly ')).toBe('etl-nightly');
    expect(slugOf('!!!')).toBe('default');
  });
});
