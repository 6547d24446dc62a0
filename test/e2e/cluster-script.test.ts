// `npm run cluster -- up | status | down` as a developer uses it: a second, separate control plane
// comes up, answers, and goes away leaving no process and no listening port behind.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { isAlive } from '../../scripts/cluster.mjs';

const script = resolve(import.meta.dirname, '../../scripts/cluster.mjs');

/** Ports something listens on, from the kernel's socket tables (state 0A is LISTEN). */
function listeningPorts(): Set<number> {
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state === '0A' && local) ports.add(Number.parseInt(local.split(':')[1] as string, 16));
    }
  }
  return ports;
}

describe('scripts/cluster.mjs', () => {
  it('starts a control plane, reports it, and stops it without leftovers', async () => {
    // The suite's own cluster is addressed by its directory, so this second one cannot disturb it.
    const up = await execa('node', [script, 'up']);
    const kubeconfig = String(up.stdout).trim().split('\n').pop() as string;
    expect(kubeconfig).toMatch(/\/kubeconfig$/);
    const dir = resolve(kubeconfig, '..');
    const state = JSON.parse(readFileSync(resolve(dir, 'cluster.json'), 'utf8')) as {
      pids: Record<string, number>;
      ports: Record<string, number>;
      startedInSeconds: number;
    };
    try {
      expect(Object.keys(state.pids).sort()).toEqual([
        'apiserver',
        'controllerManager',
        'etcd',
        'kwok',
        'scheduler',
      ]);
      const status = await execa('node', [script, 'status', dir]);
      expect(Object.values(JSON.parse(String(status.stdout)).alive)).toEqual([
        true,
        true,
        true,
        true,
        true,
      ]);
      const version = await execa('kubectl', ['--kubeconfig', kubeconfig, 'version', '-o', 'json']);
      expect(JSON.parse(String(version.stdout)).serverVersion.gitVersion).toBe('v1.33.13');
    } finally {
      await execa('node', [script, 'down', dir]);
    }
    for (const [name, pid] of Object.entries(state.pids))
      expect(isAlive(pid), `${name} still running`).toBe(false);
    const listening = listeningPorts();
    expect(listening.size, 'the socket table was read').toBeGreaterThan(0);
    for (const [name, port] of Object.entries(state.ports)) {
      expect(listening.has(port), `${name} still listens on ${port}`).toBe(false);
    }
    expect(existsSync(dir)).toBe(false);
    const after = await execa('node', [script, 'status', dir], { reject: false });
    expect(after.exitCode).toBe(1);
  });
});
