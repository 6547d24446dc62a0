// release/database-access.ts against releases of our chart on the test cluster: kwok routes
// `kubectl exec` to this machine's psql/pg_dump/pg_restore (support/exec-routes.ts), pointed at a
// real PostgreSQL filled with Prefect Server's tables (support/prefect-data.ts).
import { randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, InputError } from '../../src/errors.js';
import {
  DatabaseCommandError,
  type DatabaseSession,
  openDatabaseSession,
  withDatabaseSession,
} from '../../src/release/database-access.js';
import { Kubectl } from '../../src/tools/kubectl.js';
import { InterruptedError, onInterruptSignal } from '../../src/ui/interrupt.js';
import { helms } from '../support/tools.js';
import {
  eventually,
  helm,
  kubeconfig,
  kubectl,
  kubectlJson,
  namespacesForThisFile,
} from './support/cluster.js';
import { sampleCommandLines } from './support/cmdline-sampler.js';
import { bundledDatabaseEnv, routeExec, routeExecLikeKubelet } from './support/exec-routes.js';
import { installOriginalRelease } from './support/original-release.js';
import { createHasuraDatabase, startPostgres, type TestPostgres } from './support/postgres.js';
import {
  loadPrefectSchema,
  type Sql,
  seedPrefectData,
  tableChecksums,
  tableCounts,
} from './support/prefect-data.js';

const chart = resolve(import.meta.dirname, '../../chart');
const namespace = namespacesForThisFile();
const [h] = helms();
let pg: TestPostgres;
let sql: Sql;
let password: string;
let client: Kubectl;
let work: string;

beforeAll(async () => {
  pg = await startPostgres();
  password = `pw-${randomBytes(12).toString('hex')}`;
  await createHasuraDatabase(pg, { user: 'prefect', password, database: 'prefect' });
  sql = (statement) => pg.sql(statement, 'prefect');
  await loadPrefectSchema(sql, { owner: 'prefect' });
  await seedPrefectData(sql, {
    flowRuns: 20,
    from: new Date('2026-01-01T00:00:00Z'),
    to: new Date('2026-02-01T00:00:00Z'),
    owner: 'prefect',
  });
  client = await Kubectl.create({ kubeconfig: kubeconfig() });
  work = mkdtempSync(join(tmpdir(), 'e2e-db-access-'));
});

afterAll(async () => {
  await pg?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function install(ns: string, args: string[]) {
  if (!h) throw new Error('no helm to test with');
  await helm(h.path, ['install', 'pfs', chart, '-n', ns, ...args, '--wait', '--timeout', '3m']);
}

/** A dump streamed into a 0600 file; resolves when the file is complete. */
async function dumpTo(session: DatabaseSession, file: string) {
  const out = createWriteStream(file, { mode: 0o600 });
  await session.run('pg_dump', ['--format=custom'], { stdout: out });
  return statSync(file);
}

/** Restores a dump file into a new, empty database `name` of the test server, via the session. */
async function restoreInto(session: DatabaseSession, file: string, name: string) {
  await pg.sql(`CREATE DATABASE ${name} OWNER prefect`);
  await session.run('pg_restore', ['--no-owner', '--exit-on-error'], {
    stdin: createReadStream(file),
    database: name,
  });
  return (statement: string) => pg.sql(statement, name);
}

describe('the bundled database: kubectl exec into its pod', () => {
  let ns: string;
  let session: DatabaseSession;
  let unroute: () => Promise<void>;

  beforeAll(async () => {
    ns = await namespace('e2e-dbacc-bundled');
    await install(ns, []);
    // the chart's pod and container; the test server's socket plays the pod's local socket
    unroute = await routeExec(ns, 'pfs-postgresql-0', [
      { containers: ['postgresql'], env: bundledDatabaseEnv(pg) },
    ]);
    session = await openDatabaseSession({ name: 'pfs', namespace: ns }, client);
  });

  afterAll(async () => {
    await session?.close();
    await unroute?.();
  });

  it('finds the pod and the database user the chart made', () => {
    expect(session.kind).toBe('bundled');
    expect(session.description).toBe('the bundled database (pod pfs-postgresql-0)');
    expect([session.user, session.database]).toEqual(['prefect', 'prefect']);
  });

  it('answers a query', async () => {
    expect(await session.query('select count(*), current_user from flow_run')).toEqual([
      ['20', 'prefect'],
    ]);
    expect(await session.query('select 1 where false')).toEqual([]);
    expect(await session.query(`select 'a', null, 'c' union all select 'd', 'e', 'f'`)).toEqual([
      ['a', '', 'c'],
      ['d', 'e', 'f'],
    ]);
  });

  it('streams pg_dump -Fc out and pg_restore in, every row kept', async () => {
    const file = join(work, 'bundled.dump');
    const stat = await dumpTo(session, file);
    expect(stat.mode & 0o777).toBe(0o600);
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('PGDMP');
    const restored = await restoreInto(session, file, 'restored_bundled');
    expect(await tableCounts(restored)).toEqual(await tableCounts(sql));
    expect(await tableChecksums(restored)).toEqual(await tableChecksums(sql));
  });

  it('a failing command rejects with the program and its own reason', async () => {
    const failed = await session.query('select * from no_such_table').catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(DatabaseCommandError);
    expect((failed as Error).message).toMatch(
      /^psql failed in the bundled database \(pod pfs-postgresql-0\): .*relation "no_such_table" does not exist/,
    );
  });

  it('a timeout stops the command and says so (exit 1, not Ctrl-C)', async () => {
    const failed = await session
      .query('select pg_sleep(30)', { signal: AbortSignal.timeout(1000) })
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({
      message: 'psql did not finish in time and was stopped.',
      exitCode: ExitCode.failure,
    });
  });

  it('an input that fails stops the command instead of ending its input', async () => {
    const started = Date.now();
    await expect(
      session.run('psql', [], { stdin: createReadStream(join(work, 'no-such-file.sql')) }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('an aborted command stops kubectl and rejects with exit code 130', async () => {
    const controller = new AbortController();
    const out = createWriteStream(join(work, 'aborted.dump'), { mode: 0o600 });
    // pg_sleep keeps the session busy; the abort comes while it runs
    const running = session.run('psql', ['--command=select pg_sleep(30)'], {
      stdout: out,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort('SIGINT'), 1000);
    const started = Date.now();
    await expect(running).rejects.toMatchObject({ exitCode: ExitCode.interrupted });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('an external database: a client pod with the password from its Secret', () => {
  let ns: string;

  beforeAll(async () => {
    ns = await namespace('e2e-dbacc-external');
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db-pass' },
      stringData: { 'postgres-password': password },
    };
    await kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(secret) });
    await install(ns, [
      '--set',
      'postgresql.useSubChart=false',
      '--set',
      'postgresql.externalHostname=127.0.0.1',
      '--set',
      `postgresql.servicePort=${pg.port}`,
      '--set',
      'postgresql.existingSecret=db-pass',
    ]);
  });

  it('queries, dumps and restores with the password in no command line, then deletes its pod', async () => {
    const file = join(work, 'external.dump');
    let podName = '';
    const { report } = await sampleCommandLines(password, async () => {
      const session = await openDatabaseSession({ name: 'pfs', namespace: ns }, client);
      try {
        expect(session.kind).toBe('external');
        const pods = await kubectlJson([
          'get',
          'pods',
          '-n',
          ns,
          '-l',
          'app.kubernetes.io/component=db-client',
        ]);
        expect(pods.items).toHaveLength(1);
        const pod = pods.items[0];
        podName = pod.metadata.name;
        expect(session.description).toBe(
          `the external database 127.0.0.1:${pg.port} through client pod ${podName}`,
        );
        expect(pod.spec.containers[0].image).toBe('postgres:14');
        const env = Object.fromEntries(
          pod.spec.containers[0].env.map((e: { name: string }) => [e.name, e]),
        );
        expect(env.PGPASSWORD).toEqual({
          name: 'PGPASSWORD',
          valueFrom: { secretKeyRef: { name: 'db-pass', key: 'postgres-password' } },
        });
        expect(JSON.stringify(pod)).not.toContain(password);
        // kwok gives the exec'd command the pod's env, as a kubelet would: PGHOST=127.0.0.1 over
        // TCP, where the test server asks for the password (scram-sha-256)
        const unroute = await routeExecLikeKubelet(ns, podName);
        try {
          expect(await session.query('select current_user, count(*) from task_run')).toEqual([
            ['prefect', '60'],
          ]);
          await dumpTo(session, file);
          const restored = await restoreInto(session, file, 'restored_external');
          expect(await tableChecksums(restored)).toEqual(await tableChecksums(sql));
        } finally {
          await unroute();
        }
      } finally {
        await session.close();
      }
    });
    expect(report.samples).toBeGreaterThan(10);
    expect(report.leaks).toEqual([]);
    await eventually('the client pod to be deleted', async () => {
      const got = await kubectl(['get', 'pod', podName, '-n', ns], { reject: false });
      return got.exitCode !== 0 && /NotFound/.test(String(got.stderr)) ? true : undefined;
    });
  });
});

describe('Ctrl-C in withDatabaseSession', () => {
  it('stops the command, deletes the client pod and says so', async () => {
    const ns = await namespace('e2e-dbacc-sigint');
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db-pass' },
      stringData: { 'postgres-password': password },
    };
    await kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(secret) });
    await install(ns, [
      '--set',
      'postgresql.useSubChart=false',
      '--set',
      'postgresql.externalHostname=127.0.0.1',
      '--set',
      `postgresql.servicePort=${pg.port}`,
      '--set',
      'postgresql.existingSecret=db-pass',
    ]);
    let podName = '';
    const started = withDatabaseSession(
      { name: 'pfs', namespace: ns },
      client,
      async (session, signal) => {
        const pods = await kubectlJson([
          'get',
          'pods',
          '-n',
          ns,
          '-l',
          'app.kubernetes.io/component=db-client',
        ]);
        podName = pods.items[0].metadata.name;
        const unroute = await routeExecLikeKubelet(ns, podName);
        try {
          // what the CLI's SIGINT handler does (ui/interrupt.ts): abort the innermost scope
          setTimeout(() => onInterruptSignal('SIGINT'), 1000);
          await session.query('select pg_sleep(30)', { signal });
        } finally {
          await unroute();
        }
      },
    );
    const failed = await started.catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(InterruptedError);
    expect((failed as Error).message).toBe(
      'Interrupted; the database command was stopped and its client pod deleted.',
    );
    await eventually('the client pod to be deleted', async () => {
      const got = await kubectl(['get', 'pod', podName, '-n', ns], { reject: false });
      return got.exitCode !== 0 && /NotFound/.test(String(got.stderr)) ? true : undefined;
    });
  });
});

describe("the original chart's Bitnami database: a client pod, nothing run in the Bitnami pod", () => {
  it('finds R-postgresql-0 of a 2022.04.14 release and dumps through a client pod', async () => {
    if (!h) throw new Error('no helm to test with');
    const ns = await namespace('e2e-dbacc-bitnami');
    const standIn = await installOriginalRelease(h.path, {
      version: '2022.04.14',
      namespace: ns,
      release: 'pfs',
    });
    try {
      await kubectl([
        'wait',
        '--for=jsonpath={.status.phase}=Running',
        'pod/pfs-postgresql-0',
        '-n',
        ns,
      ]);
      // the password hasura reads is the one the test server's role `prefect` has
      const hasura = await kubectlJson([
        'get',
        'deployment',
        '-n',
        ns,
        '-l',
        'app.kubernetes.io/component=hasura',
      ]);
      const ref = hasura.items[0].spec.template.spec.containers[0].env.find(
        (e: { name: string }) => e.name === 'PGPASSWORD',
      ).valueFrom.secretKeyRef;
      const secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: ref.name },
        stringData: { [ref.key]: password },
      };
      await kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(secret) });
      const file = join(work, 'bitnami.dump');
      const { report } = await sampleCommandLines(password, async () => {
        const session = await openDatabaseSession({ name: 'pfs', namespace: ns }, client);
        try {
          expect(session.kind).toBe('bitnami');
          const pods = await kubectlJson([
            'get',
            'pods',
            '-n',
            ns,
            '-l',
            'app.kubernetes.io/component=db-client',
          ]);
          const podName = pods.items[0].metadata.name;
          expect(session.description).toBe(
            `the original chart's Bitnami database (Service pfs-postgresql, pod pfs-postgresql-0) through client pod ${podName}`,
          );
          const env = Object.fromEntries(
            pods.items[0].spec.containers[0].env.map((e: { name: string; value?: string }) => [
              e.name,
              e.value ?? e,
            ]),
          );
          expect(env.PGHOST).toBe(`pfs-postgresql.${ns}`); // as hasura's URL names it
          expect(env.PGPASSWORD).toEqual({ name: 'PGPASSWORD', valueFrom: { secretKeyRef: ref } });
          // the Service's cluster DNS name means nothing on this machine: the test plays the DNS
          const unroute = await routeExecLikeKubelet(ns, podName, {
            PGHOST: '127.0.0.1',
            PGPORT: String(pg.port),
          });
          try {
            expect(await session.query('select count(*) from flow_run')).toEqual([['20']]);
            await dumpTo(session, file);
          } finally {
            await unroute();
          }
        } finally {
          await session.close();
        }
      });
      expect(report.leaks).toEqual([]);
      expect(readFileSync(file).subarray(0, 5).toString()).toBe('PGDMP');
    } finally {
      await standIn.remove();
    }
  });
});

describe('a release without a database', () => {
  it('is bad input (exit 2) naming what was looked for, and nothing is created', async () => {
    const ns = await namespace('e2e-dbacc-none');
    const failed = await openDatabaseSession({ name: 'pfs', namespace: ns }, client).catch(
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(InputError);
    expect((failed as InputError).exitCode).toBe(ExitCode.badInput);
    expect((failed as Error).message).toContain(
      `Release pfs in namespace ${ns} has no database to reach`,
    );
    const pods = await kubectlJson(['get', 'pods', '-n', ns]);
    expect(pods.items).toEqual([]);
  });
});
