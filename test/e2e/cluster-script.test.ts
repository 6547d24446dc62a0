// `npm run cluster -- up | status | down` as a developer uses it: a second, separate control plane
// comes up, answers, and goes away leaving no process and no listening port behind.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../scripts/cluster.mjs';

const script = resolve(import.meta.dirname, '../../scripts/cluster.mjs');

/** Listening ports and the socket inode behind each, from the kernel's tables (0A is LISTEN). */
function listeners(): Map<number, string> {
  const ports = new Map<number, string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (state === '0A' && local && inode)
        ports.set(Number.parseInt(local.split(':')[1] as string, 16), inode);
    }
  }
  return ports;
}

/** Seconds since boot, the clock process start times are measured in. */
function uptime(): number {
  return Number.parseFloat(readFileSync('/proc/uptime', 'utf8'));
}

/** When a process started, in seconds since boot (field 22 of /proc/PID/stat, in 1/100 s). */
function startedAt(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) / 100;
}

/** The pids holding a socket inode. Other tests start clusters too, and one may reuse a freed port. */
function owners(inode: string): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (
        readdirSync(`/proc/${pid}/fd`).some(
          (fd) => readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`,
        )
      ) {
        pids.push(Number(pid));
      }
    } catch {}
  }
  return pids;
}

describe('scripts/cluster.mjs', () => {
  it('starts a control plane, reports it, and stops it without leftovers', async () => {
    // The suite's own cluster is addressed by its directory, so this second one cannot disturb it.
    const up = await execa('node', [script, 'up']);
    const upFinished = uptime();
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
    const listening = listeners();
    expect(listening.size, 'the socket table was read').toBeGreaterThan(0);
    for (const [name, port] of Object.entries(state.ports)) {
      const inode = listening.get(port);
      // A listener that started before this cluster was up can only be one of its leftovers.
      const leftovers = (inode ? owners(inode) : []).filter((pid) => startedAt(pid) <= upFinished);
      expect(leftovers, `${name} still listens on ${port}`).toEqual([]);
    }
    expect(existsSync(dir)).toBe(false);
    const after = await execa('node', [script, 'status', dir], { reject: false });
    expect(after.exitCode).toBe(1);
  });
});
