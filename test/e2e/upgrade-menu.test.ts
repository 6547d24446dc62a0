// The upgrade menu in a real pseudo-terminal: `prefect-server upgrade -n NS` without change flags.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { helmHomes } from './support/chart-repo.js';
import { cliBin, cliEnv, runCli } from './support/cli.js';
import { kubectl, namespacesForThisFile } from './support/cluster.js';
import { serveOriginalCharts } from './support/original-release.js';
import { releaseHistory, releaseValues } from './support/release.js';
import { keys, Terminal } from './support/terminal.js';

const [h3] = helms() as [ReturnType<typeof helms>[0]];
const namespace = namespacesForThisFile();
const values = (ns: string) => releaseValues(h3.path, ns);

// Stand-ins of the released charts, generated from ../shared/original-chart (not our chart
// renumbered), served from 127.0.0.1.
let repo: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  repo = await serveOriginalCharts(h3.path, ['2022.04.14', '2022.09.23']);
});
afterAll(async () => {
  await repo?.close();
});

/**
 * A release on the bundled chart with an external database (a bundled one cannot move to a
 * released chart: its StatefulSet would become Bitnami's), and the upgrade menu opened on it
 * with "chart version" picked, against the repository of stand-ins.
 */
async function openChartVersionMenu(
  prefix: string,
): Promise<{ ns: string; term: Terminal; at: number }> {
  // The stand-ins' pods name contract.json's bundled-database Secret whatever the values say,
  // so with an external database their references are broken on purpose.
  const ns = await namespace(prefix, { brokenReferencesExpected: true });
  const install = await runCli(
    h3,
    [
      'install',
      '--yes',
      '-n',
      ns,
      '--no-tenant',
      '--database',
      'external',
      '--db-host',
      'db.example.com',
      '--db-password-stdin',
    ],
    { input: 'not-a-real-password\n' },
  );
  expect(install.exitCode, String(install.stderr)).toBe(0);
  const homes = helmHomes(await mkdtemp(join(tmpdir(), 'upgrade-menu-helm-')));
  const term = new Terminal(['node', cliBin, 'upgrade', '-n', ns, '--repo-url', repo.url], {
    ...cliEnv(h3, { CI: '' }),
    ...homes,
  });
  const at = await term.waitFor('chart version (now 0.1.0)');
  // agent, exposure, image versions, tenant Job, image pull Secrets, chart version
  term.type(keys.down.repeat(5));
  term.type(' ');
  term.type(keys.enter);
  return { ns, term, at };
}

describe('the upgrade menu in a real terminal', () => {
  it('enables the agent picked from the menu and keeps every other value', async () => {
    const ns = await namespace('e2e-upgrade-menu');
    const installed = await runCli(h3, [
      'install',
      '--yes',
      '-n',
      ns,
      '--no-tenant',
      '--expose',
      'ingress',
      '--api-host',
      'api.example.com',
      '--ui-host',
      'ui.example.com',
    ]);
    expect(installed.exitCode, String(installed.stderr)).toBe(0);
    const before = await values(ns);

    const term = new Terminal(['node', cliBin, 'upgrade', '-n', ns], cliEnv(h3, { CI: '' }));
    try {
      let at = await term.waitFor('What do you want to change?');
      await term.waitFor('chart version (now', at);
      term.type(' '); // the first entry: agent
      term.type(keys.enter);
      at = await term.answer('Deploy the Prefect Kubernetes agent?', 'y', at);
      at = await term.answer('Prefect labels of the agent', 'menu', at);
      at = await term.answer('Set CPU/memory for flow-run jobs?', '', at);
      at = await term.waitFor('~ agent.enabled: false -> true', at);
      at = await term.answer('Apply this upgrade to prefect-server?', '', at);
      await term.waitFor(/Upgraded: prefect-server is at revision 2 \(deployed\)/, at, 180_000);
      expect(await term.exitCode()).toBe(0);
    } finally {
      term.kill();
    }
    // Only the agent was asked: not the namespace, nor the optional answers of other sections.
    for (const question of ['Namespace', 'IngressClass', 'TLS Secret', 'Tenant'])
      expect(term.screen).not.toContain(question);
    await kubectl(['get', 'deployment/prefect-server-agent', '-n', ns]);
    const after = await values(ns);
    expect(after.agent).toMatchObject({ enabled: true, prefectLabels: ['menu'] });
    const { agent: _a, ...rest } = after;
    const { agent: _b, ...restBefore } = before;
    expect(rest).toEqual(restBefore);
  });

  it('moves a bundled-chart release to a released version listed by the repository', async () => {
    const opened = await openChartVersionMenu('e2e-upgrade-menu-chart');
    const { ns, term } = opened;
    let { at } = opened;
    try {
      at = await term.waitFor('2022.09.23 (newest released)', at);
      await term.waitFor('2022.04.14', at);
      term.type(keys.down); // from the bundled chart (the default) to the newest release
      term.type(keys.enter);
      at = await term.waitFor('chart 0.1.0 -> 2022.09.23', at);
      at = await term.answer('Apply this upgrade to prefect-server?', '', at);
      await term.waitFor(/Upgraded: prefect-server is at revision 2 \(deployed\)/, at, 180_000);
      expect(await term.exitCode()).toBe(0);
    } finally {
      term.kill();
    }
    const history = await releaseHistory(h3.path, ns);
    expect(history.at(-1)).toMatchObject({
      revision: 2,
      status: 'deployed',
      chart: 'prefect-server-2022.09.23',
    });
  });

  it('a version typed at the prompt is checked against the rule, then applied', async () => {
    const opened = await openChartVersionMenu('e2e-upgrade-menu-typed');
    const { ns, term } = opened;
    let { at } = opened;
    try {
      at = await term.waitFor('another released version (type it)', at);
      // bundled, 2022.09.23, 2022.04.14, then the typed entry
      term.type(keys.down.repeat(3));
      term.type(keys.enter);
      at = await term.answer('Chart version (e.g. 2022.09.23)', 'latest!', at);
      at = await term.waitFor('Chart version "latest!" must look like 2022.09.23 or 1.2.3.', at);
      term.type('\x7f'.repeat('latest!'.length));
      term.type('2022.04.14');
      term.type(keys.enter);
      at = await term.waitFor('chart 0.1.0 -> 2022.04.14', at);
      at = await term.answer('Apply this upgrade to prefect-server?', '', at);
      await term.waitFor(/Upgraded: prefect-server is at revision 2 \(deployed\)/, at, 180_000);
      expect(await term.exitCode()).toBe(0);
    } finally {
      term.kill();
    }
    const history = await releaseHistory(h3.path, ns);
    expect(history.at(-1)).toMatchObject({ revision: 2, chart: 'prefect-server-2022.04.14' });
  });
});
