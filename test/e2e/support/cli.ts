// Runs the real CLI (bin/ over the built dist/) as a user would, pinned to the test cluster and to
// the helm under test.
import { resolve } from 'node:path';
import { execa, type Options, type ResultPromise } from 'execa';
import type { HelmUnderTest } from '../../support/tools.js';
import { clusterEnv } from './cluster.js';

export const repoRoot = resolve(import.meta.dirname, '../../..');
export const cliBin = resolve(repoRoot, 'bin/prefect-server.js');
export const wizardBin = resolve(repoRoot, 'bin/prefect-server-install.js');

export function cliEnv(helm: HelmUnderTest, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return clusterEnv({ PREFECT_SERVER_HELM: helm.path, CI: '1', ...extra });
}

/** What a test may set on a CLI run; the output options stay execa's defaults, so stdout is text. */
export type CliOptions = Pick<Options, 'env' | 'input' | 'timeout' | 'cwd' | 'cancelSignal'>;

export function runCli(
  helm: HelmUnderTest,
  args: string[],
  options: CliOptions = {},
): ResultPromise<{ reject: false }> {
  return execa('node', [cliBin, ...args], { env: cliEnv(helm), reject: false, ...options });
}
