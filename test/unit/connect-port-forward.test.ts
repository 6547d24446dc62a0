// The forward supervisor against a stand-in kubectl (a node script) whose runs follow a script:
// fail before listening, listen, or listen until the test drops the connection.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ForwardEvent,
  ServiceForwards,
  SupervisedForward,
} from '../../src/release/port-forward.js';

const fakeKubectl = `
const fs = require('node:fs');
const path = require('node:path');
const dir = process.env.FAKE_DIR;
const runs = JSON.parse(fs.readFileSync(path.join(dir, 'runs.json'), 'utf8'));
const countFile = path.join(dir, 'count');
const n = fs.existsSync(countFile) ? Number(fs.readFileSync(countFile, 'utf8')) : 0;
fs.writeFileSync(countFile, String(n + 1));
fs.appendFileSync(path.join(dir, 'args'), JSON.stringify(process.argv.slice(2)) + '\\n');
const action = runs[Math.min(n, runs.length - 1)];
if (action.startsWith('fail:')) {
  process.stderr.write('error: ' + action.slice(5) + '\\n');
  process.exit(1);
}
const mapping = process.argv[process.argv.length - 1];
const local = mapping.split(':')[0] || '45123';
process.stdout.write('Forwarding from 127.0.0.1:' + local + ' -> 4200\\nForwarding from [::1]:' + local + ' -> 4200\\n');
setInterval(() => {
  const drop = path.join(dir, 'drop');
  if (fs.existsSync(drop)) {
    fs.unlinkSync(drop);
    process.stderr.write('E1123 12:00:00.000000 1 portforward.go:424] "Unhandled Error" err="an error occurred forwarding 45123 -> 4200: dial tcp 127.0.0.1:1: connect: connection refused"\\nerror: lost connection to pod\\n');
    process.exit(1);
  }
}, 20);
`;

let dir: string;
const quick = { initialMs: 20, factor: 2, maxMs: 100 };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fake-kubectl-'));
  await writeFile(join(dir, 'kubectl.cjs'), fakeKubectl);
  process.env.FAKE_DIR = dir;
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function forward(runs: string[], events: ForwardEvent[] = []) {
  return writeFile(join(dir, 'runs.json'), JSON.stringify(runs)).then(
    () =>
      new SupervisedForward(
        {
          binary: process.execPath,
          argv: (args) => [join(dir, 'kubectl.cjs'), '--kubeconfig', 'k', ...args],
        },
        { namespace: 'prefect', service: 'prefect-server-apollo', remotePort: 4200 },
        { policy: quick, onEvent: (e) => events.push(e) },
      ),
  );
}

async function argsOfRuns(): Promise<string[][]> {
  return (await readFile(join(dir, 'args'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SupervisedForward', () => {
  it('starts kubectl port-forward with an argument array and reads the port it listens on', async () => {
    const f = await forward(['listen']);
    try {
      expect(await f.start(0, 5_000)).toBe(45123);
      expect(f.port).toBe(45123);
      expect(await argsOfRuns()).toEqual([
        [
          '--kubeconfig',
          'k',
          'port-forward',
          '--namespace',
          'prefect',
          'svc/prefect-server-apollo',
          ':4200',
        ],
      ]);
    } finally {
      await f.stop();
    }
  });

  it('waits, with backoff, for a pod that is not running yet', async () => {
    const f = await forward([
      'fail:unable to forward port because pod is not running. Current status=Pending',
      'fail:unable to forward port because pod is not running. Current status=Pending',
      'listen',
    ]);
    try {
      expect(await f.start(14200, 5_000)).toBe(14200);
      expect((await argsOfRuns()).map((a) => a.at(-1))).toEqual([
        '14200:4200',
        '14200:4200',
        '14200:4200',
      ]);
    } finally {
      await f.stop();
    }
  });

  it('gives up at once on a failure no retry fixes, and after the timeout on others', async () => {
    const missing = await forward([
      'fail:Error from server (NotFound): services "prefect-server-apollo" not found',
    ]);
    await expect(missing.start(0, 5_000)).rejects.toThrow(
      'kubectl port-forward svc/prefect-server-apollo:4200 in prefect failed: Error from server (NotFound): services "prefect-server-apollo" not found.',
    );
    expect(await argsOfRuns()).toHaveLength(1);

    const pending = await forward([
      'fail:unable to forward port because pod is not running. Current status=Pending',
    ]);
    await expect(pending.start(0, 200)).rejects.toThrow(/pod is not running/);
  });

  it('restarts on the same port after a drop, telling what happened', async () => {
    const events: ForwardEvent[] = [];
    const f = await forward(
      [
        'listen',
        'fail:unable to forward port because pod is not running. Current status=Pending',
        'listen',
      ],
      events,
    );
    try {
      const port = await f.start(0, 5_000);
      await writeFile(join(dir, 'drop'), '');
      await until('the restart', () => events.some((e) => e.type === 'restarted'));
      expect(events).toEqual([
        {
          type: 'dropped',
          reason: 'lost connection to pod: connect: connection refused',
          retryInMs: 20,
          attempt: 1,
        },
        {
          type: 'dropped',
          reason: 'unable to forward port because pod is not running. Current status=Pending',
          retryInMs: 40,
          attempt: 2,
        },
        { type: 'restarted', port },
      ]);
      expect((await argsOfRuns()).map((a) => a.at(-1))).toEqual([
        ':4200',
        `${port}:4200`,
        `${port}:4200`,
      ]);

      // Healthy again: the next incident starts from the first delay.
      f.markHealthy();
      await writeFile(join(dir, 'drop'), '');
      await until('the second drop', () => events.length === 4);
      expect(events[3]).toMatchObject({ type: 'dropped', attempt: 1, retryInMs: 20 });
    } finally {
      await f.stop();
    }
  });

  it('stops kubectl and never restarts it afterwards', async () => {
    const events: ForwardEvent[] = [];
    const f = await forward(['listen'], events);
    await f.start(0, 5_000);
    await f.stop();
    await new Promise((r) => setTimeout(r, 150));
    expect(events).toEqual([]);
    expect(await argsOfRuns()).toHaveLength(1);
    expect(existsSync(join(dir, 'drop'))).toBe(false);
  });
});

describe('ServiceForwards (doctor)', () => {
  const kubectl = () => ({
    binary: process.execPath,
    argv: (args: readonly string[]) => [join(dir, 'kubectl.cjs'), '--kubeconfig', 'k', ...args],
  });

  it('opens one forward per Service and port on 127.0.0.1, and reports a drop instead of restarting', async () => {
    await writeFile(join(dir, 'runs.json'), JSON.stringify(['listen', 'listen']));
    const forwards = new ServiceForwards(kubectl());
    try {
      const [a, b] = await Promise.all([
        forwards.open('prefect', 'prefect-server-postgresql', 5432),
        forwards.open('prefect', 'prefect-server-postgresql', 5432),
      ]);
      expect(a).toBe(b);
      expect(a.localPort).toBe(45123);
      expect(await argsOfRuns()).toEqual([
        [
          '--kubeconfig',
          'k',
          'port-forward',
          '--namespace',
          'prefect',
          '--address',
          '127.0.0.1',
          'svc/prefect-server-postgresql',
          ':5432',
        ],
      ]);
      await writeFile(join(dir, 'drop'), '');
      const lost = await a.lost;
      expect(lost.message).toBe(
        'the port-forward to service prefect-server-postgresql broke: lost connection to pod: connect: connection refused',
      );
      await new Promise((r) => setTimeout(r, 150));
      expect(await argsOfRuns()).toHaveLength(1);
    } finally {
      await forwards.closeAll();
    }
  });

  it('fails at once on a pod that is not running: doctor says so rather than waiting', async () => {
    await writeFile(
      join(dir, 'runs.json'),
      JSON.stringify([
        'fail:unable to forward port because pod is not running. Current status=Pending',
        'listen',
      ]),
    );
    const forwards = new ServiceForwards(kubectl());
    try {
      await expect(forwards.open('prefect', 'prefect-server-apollo', 4200)).rejects.toThrow(
        'kubectl port-forward svc/prefect-server-apollo:4200 in prefect failed: unable to forward port because pod is not running. Current status=Pending.',
      );
      expect(await argsOfRuns()).toHaveLength(1);
    } finally {
      await forwards.closeAll();
    }
  });
});
