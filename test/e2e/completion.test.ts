// Shell completion as a shell uses it: the script loads in a real bash, and Tab candidates for
// namespaces and releases come from the test cluster.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { cliBin, cliEnv, runCli } from './support/cli.js';
import { createNamespace } from './support/cluster.js';

const [h3] = helms() as [ReturnType<typeof helms>[0]];
let ns: { name: string; remove: () => Promise<void> };
beforeAll(async () => {
  ns = await createNamespace('e2e-complete');
  await runCli(h3, ['install', '--yes', '-n', ns.name, '--release', 'tab-release']);
});
afterAll(async () => {
  await ns.remove();
});

describe('completion', () => {
  it('bash: the script registers, and Tab on a command offers its flags', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'completion-')), 'prefect-server.bash');
    await writeFile(file, String((await runCli(h3, ['completion', 'bash'])).stdout));
    // A real bash sources the script, then runs the completion function the way Tab would.
    const program = `
      prefect-server() { node ${cliBin} "$@"; }
      source ${file}
      complete -p prefect-server
      COMP_WORDS=(prefect-server install --db-p); COMP_CWORD=2
      _prefect_server_complete
      printf '%s\\n' "\${COMPREPLY[@]}"`;
    const result = await execa('bash', ['-c', program], { env: cliEnv(h3) });
    expect(result.stdout).toContain(
      'complete -o default -F _prefect_server_complete prefect-server',
    );
    expect(result.stdout.split('\n')).toEqual(
      expect.arrayContaining(['--db-password-stdin', '--db-persistence', '--db-port']),
    );
  });

  it('offers namespaces and releases from the cluster, and flag choices', async () => {
    const namespaces = String(
      (await runCli(h3, ['__complete', 'status', '-n', 'e2e-compl'])).stdout,
    ).split('\n');
    expect(namespaces).toContain(ns.name);
    const releases = String(
      (await runCli(h3, ['__complete', 'status', '-n', ns.name, '--release', ''])).stdout,
    ).trim();
    expect(releases).toBe('tab-release');
    const choices = String((await runCli(h3, ['__complete', 'install', '--expose', ''])).stdout)
      .trim()
      .split('\n');
    expect(choices).toEqual(['ingress', 'loadbalancer', 'port-forward']);
  });

  it('zsh and fish scripts name the program and the hidden completer', async () => {
    for (const shell of ['zsh', 'fish']) {
      const script = String((await runCli(h3, ['completion', shell])).stdout);
      expect(script).toContain('prefect-server __complete');
    }
    const bad = await runCli(h3, ['completion', 'powershell']);
    expect(bad.exitCode).toBe(2);
  });
});
