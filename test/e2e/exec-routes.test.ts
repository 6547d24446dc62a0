// kwok routes `kubectl exec` into a test pod to this machine's PostgreSQL client tools, pointed at
// a real test server (support/exec-routes.ts): what backup, restore and prune rely on.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubectl, namespacesForThisFile } from './support/cluster.js';
import {
  bundledDatabaseEnv,
  routeExec,
  routeExecLikeKubelet,
  routeNamespaceExec,
} from './support/exec-routes.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';

const namespace = namespacesForThisFile();
let ns: string;
let pg: TestPostgres;

async function runPod(name: string, container: string, env: object[] = []) {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: {
      containers: [{ name: container, image: 'postgres:15', env }],
      restartPolicy: 'Never',
    },
  };
  await kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) });
  await kubectl(['wait', '--for=jsonpath={.status.phase}=Running', `pod/${name}`, '-n', ns]);
}

beforeAll(async () => {
  ns = await namespace('e2e-exec');
  pg = await startPostgres();
  await runPod('db-0', 'postgresql');
});

afterAll(async () => {
  await pg?.stop();
});

describe('kubectl exec routed by kwok to local commands', () => {
  it('runs psql against the test server over its trusted socket', async () => {
    const unroute = await routeExec(ns, 'db-0', [
      { containers: ['postgresql'], env: bundledDatabaseEnv(pg) },
    ]);
    try {
      const out = await kubectl([
        'exec',
        '-i',
        'db-0',
        '-n',
        ns,
        '-c',
        'postgresql',
        '--',
        'psql',
        '-U',
        'postgres',
        '-At',
        '-c',
        'select 1 + 1, current_setting($$port$$)',
      ]);
      expect(String(out.stdout).trim()).toBe(`2|${pg.port}`);
    } finally {
      await unroute();
    }
  });

  it('streams a few MB from stdin to stdout and ends at the end of stdin', async () => {
    const unroute = await routeExec(ns, 'db-0', [{ containers: ['postgresql'] }]);
    try {
      const input = randomBytes(6 * 1024 * 1024);
      const out = await kubectl(['exec', '-i', 'db-0', '-n', ns, '-c', 'postgresql', '--', 'cat'], {
        input,
        encoding: 'buffer',
        timeout: 60_000,
      });
      const output = out.stdout as Uint8Array;
      const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
      expect(output.length).toBe(input.length);
      expect(digest(output)).toBe(digest(input));
    } finally {
      await unroute();
    }
  });

  it('feeds SQL on stdin to psql, which sees its end', async () => {
    const unroute = await routeExec(ns, 'db-0', [
      { containers: ['postgresql'], env: bundledDatabaseEnv(pg) },
    ]);
    try {
      const out = await kubectl(
        ['exec', '-i', 'db-0', '-n', ns, '-c', 'postgresql', '--', 'psql', '-U', 'postgres', '-At'],
        {
          input:
            'create table t (n int);\ninsert into t select generate_series(1, 1000);\nselect count(*) from t;\n',
          timeout: 60_000,
        },
      );
      expect(String(out.stdout).trim().split('\n').pop()).toBe('1000');
    } finally {
      await unroute();
    }
  });

  it('a failing command fails kubectl (kwok reports exit 1 whatever the code)', async () => {
    const unroute = await routeExec(ns, 'db-0', [{ containers: ['postgresql'] }]);
    try {
      const out = await kubectl(
        ['exec', 'db-0', '-n', ns, '-c', 'postgresql', '--', 'sh', '-c', 'exit 3'],
        { reject: false },
      );
      expect(out.exitCode).toBe(1);
      expect(String(out.stderr)).toContain('exit status 3');
    } finally {
      await unroute();
    }
  });

  it('mirrors a pod env, Secrets included, as a kubelet gives it to an exec', async () => {
    const password = `pw-${randomBytes(8).toString('hex')}`;
    await pg.sql(`CREATE ROLE mirror LOGIN PASSWORD ${pg.literal(password)}`);
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'mirror-pw' },
      stringData: { pw: password },
    };
    await kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(secret) });
    await runPod('client', 'psql', [
      { name: 'PGHOST', value: '127.0.0.1' },
      { name: 'PGPORT', value: String(pg.port) },
      { name: 'PGUSER', value: 'mirror' },
      { name: 'PGDATABASE', value: 'postgres' },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'mirror-pw', key: 'pw' } } },
    ]);
    const unroute = await routeExecLikeKubelet(ns, 'client');
    try {
      // over TCP, where the server asks for the password (scram-sha-256)
      const out = await kubectl([
        'exec',
        'client',
        '-n',
        ns,
        '--',
        'psql',
        '-At',
        '-c',
        'select current_user',
      ]);
      expect(String(out.stdout).trim()).toBe('mirror');
    } finally {
      await unroute();
    }
  });

  it('routes pods of a namespace that did not exist yet, by container', async () => {
    const unrouteAll = await routeNamespaceExec(ns, [
      { containers: ['client'], env: { ...bundledDatabaseEnv(pg), PGUSER: 'postgres' } },
    ]);
    try {
      await runPod('later-abc12', 'client');
      const out = await eventually('kwok to serve the namespace route', async () => {
        const got = await kubectl(
          [
            'exec',
            'later-abc12',
            '-n',
            ns,
            '-c',
            'client',
            '--',
            'psql',
            '-At',
            '-c',
            'select current_user',
          ],
          { reject: false },
        );
        return got.exitCode === 0 ? got : undefined;
      });
      expect(String(out.stdout).trim()).toBe('postgres');
    } finally {
      await unrouteAll();
    }
  });

  it('a pod without a route cannot be exec-ed into', async () => {
    // the earlier tests removed their routes; kwok forgets them through its watch
    const refused = await eventually('kwok to drop the removed route', async () => {
      const out = await kubectl(['exec', 'db-0', '-n', ns, '--', 'true'], { reject: false });
      return out.exitCode === 0 ? undefined : out;
    });
    expect(String(refused.stderr)).toMatch(/no exec found/);
  });
});
