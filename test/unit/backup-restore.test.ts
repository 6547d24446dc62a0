// The pure parts of backup and restore: the manifest, the files a backup writes, the facts psql
// answers, the per-user record, the writers and the restore's refusals.

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { DigestingCounter } from '../../src/backup/dump-stream.js';
import { LineCollector, snapshotIdPattern } from '../../src/backup/pg-snapshot.js';
import { backupTargets, chartVersionOf } from '../../src/backup/run-backup.js';
import { InputError } from '../../src/errors.js';
import {
  type BackupManifest,
  countDifferences,
  defaultBackupName,
  formatBytes,
  isCustomDump,
  manifestText,
  parseDatabaseFacts,
  parseManifest,
  tablesWithRows,
} from '../../src/release/backup-manifest.js';
import { backupRecordsFile, lastBackup, recordBackup } from '../../src/release/backup-records.js';
import { clientImageForServer } from '../../src/release/database-access.js';
import { planRestore, resumeCommand, runsMigrations } from '../../src/restore/restore-plan.js';
import { checkBackupFile } from '../../src/restore/run-restore.js';
import { replicasAnnotation, startPatch, stopPatch, writersOf } from '../../src/restore/writers.js';

const manifest: BackupManifest = {
  format: 'prefect-server-backup',
  version: 1,
  release: 'prefect-server',
  namespace: 'prefect',
  chartVersion: '2022.09.23',
  appVersion: '2022.09.23',
  postgresVersion: '15.18',
  schemaRevision: 'abc',
  tables: { flow: 3, flow_run: 10, alembic_version: 1 },
  sha256: 'a'.repeat(64),
  size: 100,
  created: '2026-12-01T12:00:00.000Z',
  dump: 'x.dump',
};

describe('the backup manifest', () => {
  it('reads back what it writes', () => {
    expect(parseManifest(manifestText(manifest), 'm.json')).toEqual(manifest);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['another format', JSON.stringify({ ...manifest, format: 'x' }), /"format"/],
    ['a bad checksum', JSON.stringify({ ...manifest, sha256: 'zz' }), /"sha256"/],
    ['a bad count', JSON.stringify({ ...manifest, tables: { flow: -1 } }), /"tables"."flow"/],
    ['a missing release', JSON.stringify({ ...manifest, release: undefined }), /"release"/],
  ])('refuses %s as bad input naming the rule', (_name, text, rule) => {
    expect(() => parseManifest(text, 'm.json')).toThrow(InputError);
    expect(() => parseManifest(text, 'm.json')).toThrow(rule);
  });

  it('names a backup by release and UTC time', () => {
    expect(defaultBackupName('prefect-server', new Date('2026-12-01T12:13:14.567Z'))).toBe(
      'prefect-server-20261201T121314Z.dump',
    );
  });

  it('knows a custom-format dump by its magic', () => {
    expect(isCustomDump(Buffer.from('PGDMP\x01\x0e'))).toBe(true);
    expect(isCustomDump(Buffer.from('-- PostgreSQL dump'))).toBe(false);
    expect(isCustomDump(Buffer.alloc(0))).toBe(false);
  });

  it("reads psql's facts", () => {
    const facts = parseDatabaseFacts(
      '00000003-0000001B-1\nserver\tversion\t15.18 (Debian)\nrevision\talembic\tabc\ntable\tflow\t3\ntable\tlog\t0\n',
    );
    expect(facts).toEqual({
      postgresVersion: '15.18 (Debian)',
      schemaRevision: 'abc',
      tables: { flow: 3, log: 0 },
    });
    expect(() => parseDatabaseFacts('')).toThrow(/no server version/);
  });

  it('compares counts and finds rows', () => {
    expect(countDifferences({ a: 1, b: 2 }, { a: 1, b: 3 })).toEqual([
      { table: 'b', expected: 2, actual: 3 },
    ]);
    expect(countDifferences({ a: 1 }, {})).toEqual([{ table: 'a', expected: 1, actual: -1 }]);
    expect(tablesWithRows({ alembic_version: 1, flow: 0, log: 2 })).toEqual(['log']);
  });

  it('formats bytes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(1024 ** 3 * 1.02)).toBe('1.02 GiB');
  });
});

describe('the files a backup writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'backup-unit-'));

  it('defaults to RELEASE-TIME.dump and a sidecar manifest in the current directory', () => {
    const at = new Date('2026-12-01T00:00:00Z');
    expect(backupTargets({}, 'r', at, dir)).toEqual({
      dump: join(dir, 'r-20261201T000000Z.dump'),
      manifest: join(dir, 'r-20261201T000000Z.dump.manifest.json'),
    });
  });

  it('with --output - writes no manifest unless --manifest names one', () => {
    expect(backupTargets({ output: '-' }, 'r', new Date(), dir)).toEqual({
      dump: '-',
      manifest: undefined,
    });
    expect(backupTargets({ output: '-', manifest: 'm.json' }, 'r', new Date(), dir).manifest).toBe(
      join(dir, 'm.json'),
    );
  });

  it('refuses a missing directory and an existing file', () => {
    expect(() => backupTargets({ output: join(dir, 'no/such/x.dump') }, 'r', new Date())).toThrow(
      /does not exist/,
    );
    writeFileSync(join(dir, 'taken.dump'), '');
    expect(() => backupTargets({ output: join(dir, 'taken.dump') }, 'r', new Date())).toThrow(
      /never overwrites/,
    );
  });

  it('reads the chart version of a helm release', () => {
    expect(chartVersionOf({ chart: 'prefect-server-2022.09.23' } as never)).toBe('2022.09.23');
  });
});

describe('streaming', () => {
  it('counts and hashes what passes', async () => {
    const seen: number[] = [];
    const counter = new DigestingCounter((bytes) => seen.push(bytes));
    const chunks: Buffer[] = [];
    await pipeline(
      Readable.from([Buffer.from('ab'), Buffer.from('cde')]),
      counter,
      async (source) => {
        for await (const chunk of source) chunks.push(chunk as Buffer);
      },
    );
    expect(Buffer.concat(chunks).toString()).toBe('abcde');
    expect(counter.bytes).toBe(5);
    expect(seen).toEqual([2, 5]);
    expect(counter.sha256()).toBe(createHash('sha256').update('abcde').digest('hex'));
  });

  it("finds the snapshot id in psql's answer", async () => {
    const lines = new LineCollector();
    const waiting = lines.lineMatching(snapshotIdPattern);
    lines.write('00000003-000');
    lines.write('0001B-1\n');
    expect(await waiting).toBe('00000003-0000001B-1');
  });
});

describe('the backups this machine knows', () => {
  it('records and finds the last backup of a release, 0600, without other releases', () => {
    const env = { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'state-')) };
    const base = {
      context: undefined,
      namespace: 'p',
      release: 'r',
      file: '/x',
      manifest: '/x.m',
      size: 1,
      sha256: 'a',
    };
    expect(lastBackup({ namespace: 'p', release: 'r' }, env)).toBeUndefined();
    recordBackup({ ...base, created: '2026-01-02T00:00:00Z' }, env);
    recordBackup({ ...base, created: '2026-01-01T00:00:00Z', file: '/old' }, env);
    recordBackup({ ...base, release: 'other', created: '2026-02-01T00:00:00Z' }, env);
    expect(lastBackup({ namespace: 'p', release: 'r' }, env)?.file).toBe('/x');
    expect(lastBackup({ namespace: 'p', release: 'r', context: 'c' }, env)).toBeUndefined();
    expect(statSync(backupRecordsFile(env)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(backupRecordsFile(env), 'utf8')).backups).toHaveLength(3);
  });
});

const deployment = (
  name: string,
  component: string | undefined,
  replicas: number,
  remembered?: string,
) => ({
  metadata: {
    name,
    labels: {
      'app.kubernetes.io/instance': 'r',
      ...(component && { 'app.kubernetes.io/component': component }),
    },
    ...(remembered !== undefined && { annotations: { [replicasAnnotation]: remembered } }),
  },
  spec: { replicas },
});

describe('the writers', () => {
  it('are graphql, towel, apollo and the agent, by label or (released charts) by name', () => {
    const writers = writersOf(
      [
        deployment('r-graphql', 'graphql', 2),
        deployment('r-hasura', 'hasura', 1),
        deployment('r-ui', 'ui', 1),
        deployment('r-towel', undefined, 1),
        deployment('r-agent', undefined, 3),
        deployment('r-apollo', 'apollo', 1, '4'),
      ],
      'r',
    );
    expect(writers.map((w) => [w.name, w.component, w.replicas, w.remembered])).toEqual([
      ['r-agent', 'agent', 3, undefined],
      ['r-apollo', 'apollo', 1, 4],
      ['r-graphql', 'graphql', 2, undefined],
      ['r-towel', 'towel', 1, undefined],
    ]);
  });

  it('remember their count when stopped, and an earlier remembered count wins', () => {
    const [again, fresh] = writersOf(
      [deployment('r-graphql', 'graphql', 2), deployment('r-apollo', 'apollo', 0, '3')],
      'r',
    );
    if (fresh === undefined || again === undefined) throw new Error('two writers expected');
    expect(stopPatch(fresh)).toEqual({
      metadata: { annotations: { [replicasAnnotation]: '2' } },
      spec: { replicas: 0 },
    });
    expect(stopPatch(again)).toEqual({
      metadata: { annotations: { [replicasAnnotation]: '3' } },
      spec: { replicas: 0 },
    });
    expect(startPatch(again)).toEqual({
      metadata: { annotations: { [replicasAnnotation]: null } },
      spec: { replicas: 3 },
    });
  });
});

describe('the restore plan', () => {
  const base = {
    manifest,
    target: { namespace: 'prefect', release: 'prefect-server', appVersion: '2022.09.23' },
    facts: {
      postgresVersion: '15',
      schemaRevision: 'abc',
      tables: { flow: 0, alembic_version: 1 },
    },
    writers: [],
    graphqlMigrates: true,
    force: false,
    resume: false,
  };

  it('restores into a fresh release (empty tables) by cleaning it first, with no migration', () => {
    expect(planRestore(base)).toEqual({ clean: true, migrations: { kind: 'none' } });
  });

  it('refuses a database with rows without --force, naming the tables', () => {
    const facts = { ...base.facts, tables: { flow: 2, log: 0 } };
    expect(() => planRestore({ ...base, facts })).toThrow(InputError);
    expect(() => planRestore({ ...base, facts })).toThrow(/not empty: flow holds rows/);
    expect(planRestore({ ...base, facts, force: true }).clean).toBe(true);
  });

  it('refuses --resume when no restore was interrupted', () => {
    expect(() => planRestore({ ...base, resume: true })).toThrow(/no interrupted restore/);
  });

  it('refuses a backup newer than the server, and migrates an older one', () => {
    expect(() =>
      planRestore({ ...base, target: { ...base.target, appVersion: '2022.04.14' } }),
    ).toThrow(/newer than this release's 2022.04.14/);
    const older = { ...manifest, appVersion: '2022.04.14', schemaRevision: 'old' };
    expect(planRestore({ ...base, manifest: older }).migrations).toEqual({
      kind: 'graphql-init',
      from: 'old',
      to: 'abc',
    });
    expect(planRestore({ ...base, manifest: older, graphqlMigrates: false }).migrations.kind).toBe(
      'manual',
    );
  });

  it("knows graphql's migrating init container", () => {
    expect(
      runsMigrations({
        initContainers: [
          { command: ['bash', '-c', '/usr/local/bin/prefect-server database upgrade --yes'] },
        ],
      }),
    ).toBe(true);
    expect(runsMigrations({ initContainers: [] })).toBe(false);
    expect(runsMigrations(undefined)).toBe(false);
  });

  it('prints a resume command a shell reads back', () => {
    expect(
      resumeCommand({
        file: "/tmp/my backup's.dump",
        namespace: 'p',
        release: 'r',
        context: 'kind',
      }),
    ).toBe(
      "prefect-server restore '/tmp/my backup'\\''s.dump' -n p --release r --context kind --resume --yes",
    );
  });
});

describe('checking the file before a restore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'restore-unit-'));
  const dump = join(dir, 'b.dump');
  const body = Buffer.from('PGDMP rest of an archive');
  writeFileSync(dump, body);
  const sha256 = createHash('sha256').update(body).digest('hex');
  writeFileSync(`${dump}.manifest.json`, manifestText({ ...manifest, sha256, size: body.length }));

  it('accepts a dump matching its manifest', async () => {
    expect((await checkBackupFile(dump, undefined)).manifest.sha256).toBe(sha256);
  });

  it('refuses a missing file, a file that is not a dump, a missing manifest and a mismatch', async () => {
    await expect(checkBackupFile(join(dir, 'none.dump'), undefined)).rejects.toThrow(
      /no such file/,
    );
    const text = join(dir, 't.sql');
    writeFileSync(text, '-- SQL');
    await expect(checkBackupFile(text, undefined)).rejects.toThrow(/is not a dump/);
    const lonely = join(dir, 'lonely.dump');
    writeFileSync(lonely, body);
    await expect(checkBackupFile(lonely, undefined)).rejects.toThrow(/manifest .* does not exist/);
    const changed = join(dir, 'changed.dump');
    writeFileSync(changed, Buffer.from('PGDMP rest of an archivX'));
    await expect(checkBackupFile(changed, `${dump}.manifest.json`)).rejects.toThrow(/SHA-256/);
    await expect(checkBackupFile(changed, `${dump}.manifest.json`)).rejects.toBeInstanceOf(
      InputError,
    );
  });
});

describe('the client image of an external database', () => {
  it('is the server major when the default is older, else the default', () => {
    expect(clientImageForServer('postgres:14', '150018')).toBe('postgres:15');
    expect(clientImageForServer('postgres:14', '140010')).toBeUndefined();
    expect(clientImageForServer('postgres:14', '110009')).toBeUndefined();
    expect(clientImageForServer('postgres:14', '90624')).toBeUndefined();
    expect(clientImageForServer('postgres:14', '')).toBeUndefined();
  });
});
