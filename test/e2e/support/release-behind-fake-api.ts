// A namespace with our release installed by the real CLI, whose apollo and UI pods kwok routes to
// a fresh Prefect API double: the starting point of the connect, tenant and status tests.
import type { HelmUnderTest } from '../../support/tools.js';
import { runCli } from './cli.js';
import { createNamespace } from './cluster.js';
import { FakePrefectServer } from './fake-prefect-api.js';

export interface ReleaseBehindFakeApi {
  namespace: string;
  fake: FakePrefectServer;
  /** What install printed on stderr (warnings), for tests that require a clean install. */
  installStderr: string;
  close(): Promise<void>;
}

export async function releaseBehindFakeApi(
  helm: HelmUnderTest,
  prefix: string,
  installArgs: string[] = [],
): Promise<ReleaseBehindFakeApi> {
  const ns = await createNamespace(prefix);
  const fake = await FakePrefectServer.start();
  const unroute = await fake.routeNamespace(ns.name);
  const close = async () => {
    await unroute();
    await fake.close();
    await ns.remove();
  };
  const install = await runCli(helm, ['install', '--yes', '-n', ns.name, ...installArgs]);
  if (install.exitCode !== 0) {
    await close();
    throw new Error(`install into ${ns.name} failed (exit ${install.exitCode}): ${install.stderr}`);
  }
  return { namespace: ns.name, fake, installStderr: String(install.stderr), close };
}
