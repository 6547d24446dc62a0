// Ctrl-C (SIGINT) at several points of an install: each time the user is told the state things
// were left in, and the same command run again ends in a deployed release with the same database
// password. (An upgrade interrupted during --wait is in upgrade.test.ts.)
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { cliBin, cliEnv } from './support/cli.js';
import { createNamespace, eventually, helm, kubectl, kubectlJson } from './support/cluster.js';
import { type ExecPluginKubeconfig, execPluginKubeconfig } from './support/exec-plugin.js';

const [, h4] = helms() as [ReturnType<typeof helms>[0], ReturnType<typeof helms>[0]];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

const exists = async (args: string[]) =>
  String((await kubectl([...args, '--ignore-not-found', '-o', 'name'])).stdout).trim() !== '';

describe('install interrupted', () => {
  // Preflight takes well under a second, too short to hit by timing: in the first case the
  // cluster's credentials come from an exec plugin that holds each answer for 20 s, so once it
  // has been called, preflight is reliably waiting on the API server.
  let held: ExecPluginKubeconfig;
  beforeAll(async () => {
    held = await execPluginKubeconfig({ holdMs: 20_000 });
  });

  it.each([
    {
      point: 'during preflight, before anything changed',
      firstEnv: () => cliEnv(h4, { KUBECONFIG: held.kubeconfig }),
      ready: async () => (await held.calls()) > 0,
      told: /Interrupted; nothing was changed\./,
    },
    {
      point: 'while helm installs',
      firstEnv: () => cliEnv(h4),
      ready: async (ns: string) =>
        exists(['get', 'secret', 'sh.helm.release.v1.prefect-server.v1', '-n', ns]),
      told: /Interrupted\. Release prefect-server was left in state: (pending-install|failed|deployed)\.\nHint: To finish: run the same install command again/,
    },
  ])(
    '$point: told the state, and the same command then completes',
    async ({ firstEnv, ready, told }) => {
      const ns = await createNamespace('e2e-interrupt');
      cleanups.push(ns.remove);
      const command = [cliBin, 'install', '--yes', '-n', ns.name, '--timeout', '2m'];
      const first = execa('node', command, { env: firstEnv(), reject: false });
      await eventually(
        'the interruption point',
        async () => ((await ready(ns.name)) ? true : undefined),
        60_000,
      );
      first.kill('SIGINT');
      const interrupted = await first;
      expect(interrupted.exitCode).toBe(130);
      expect(interrupted.stderr).toMatch(told);
      expect(interrupted.stderr).not.toMatch(/^\s+at /m);
      const password = await kubectl([
        'get',
        'secret',
        'prefect-server-postgresql',
        '-n',
        ns.name,
        '--ignore-not-found',
        '-o',
        'json',
      ]);

      const again = await execa('node', command, { env: cliEnv(h4), reject: false });
      expect(again.exitCode, String(again.stderr)).toBe(0);
      const list = JSON.parse(
        String((await helm(h4.path, ['list', '-n', ns.name, '-o', 'json'])).stdout),
      );
      expect(list[0].status).toBe('deployed');
      if (String(password.stdout).trim()) {
        const before = JSON.parse(String(password.stdout)).data;
        expect(
          (await kubectlJson(['get', 'secret', 'prefect-server-postgresql', '-n', ns.name])).data,
        ).toEqual(before);
      }
    },
  );
});
