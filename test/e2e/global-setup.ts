// Brings one real control plane up for the whole e2e run and tears it down at the end, even when
// tests fail. E2E_KUBECONFIG reuses a cluster you started yourself (`npm run cluster -- up`).
// A plain KUBECONFIG is deliberately NOT reused: a developer's shell often points it at a real
// cluster, and this suite installs and deletes releases.
import type { TestProject } from 'vitest/node';
import { down, up } from '../../scripts/cluster.mjs';

let startedDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const reused = process.env.E2E_KUBECONFIG;
  if (reused) {
    project.provide('kubeconfig', reused);
    return;
  }
  const cluster = (await up()) as { dir: string; kubeconfig: string };
  startedDir = cluster.dir;
  project.provide('kubeconfig', cluster.kubeconfig);
}

export async function teardown(): Promise<void> {
  if (startedDir) await down(startedDir);
}

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
  }
}
