// The pure parts of release/database-access.ts: the client pod, its image and name, which kind a
// database is, and the reason read from a failed command's stderr.
import { describe, expect, it } from 'vitest';
import {
  clientImageOf,
  clientPodManifest,
  clientPodName,
  kindOf,
  reasonOf,
} from '../../src/release/database-access.js';
import type { DatabaseTarget } from '../../src/release/database-location.js';

const target: DatabaseTarget = {
  user: 'prefect',
  host: 'db.example.com',
  port: 5433,
  database: 'prefect',
  secret: { name: 'db-pass', key: 'postgres-password' },
  service: undefined,
  pod: undefined,
};

describe('the client pod of an external database', () => {
  const pod = clientPodManifest({ name: 'pfs', namespace: 'ns' }, target, 'postgres:14', 'p-1');
  // biome-ignore lint/suspicious/noExplicitAny: the manifest is read as the API would
  const container = (pod as any).spec.containers[0];

  it('connects by environment, the password by secretKeyRef only', () => {
    expect(container.env).toEqual([
      { name: 'PGHOST', value: 'db.example.com' },
      { name: 'PGPORT', value: '5433' },
      { name: 'PGUSER', value: 'prefect' },
      { name: 'PGDATABASE', value: 'prefect' },
      { name: 'PGCONNECT_TIMEOUT', value: '30' },
      {
        name: 'PGPASSWORD',
        valueFrom: { secretKeyRef: { name: 'db-pass', key: 'postgres-password' } },
      },
    ]);
    expect(container.command).toEqual(['sleep', '86400']);
    expect(container.image).toBe('postgres:14');
  });

  it('has no PGPASSWORD when hasura reads none', () => {
    const open = clientPodManifest(
      { name: 'pfs', namespace: 'ns' },
      { ...target, secret: undefined },
      'postgres:14',
      'p-1',
    );
    expect(JSON.stringify(open)).not.toContain('PGPASSWORD');
  });

  it('is named after the release within 63 characters', () => {
    expect(clientPodName('pfs')).toMatch(/^pfs-db-client-[0-9a-f]{5}$/);
    const long = clientPodName('r'.repeat(70));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^r+-db-client-[0-9a-f]{5}$/);
  });
});

describe('the client image', () => {
  it('is the release official postgres image, else the chart default', () => {
    expect(clientImageOf({ postgresql: { image: { name: 'postgres', tag: 16 } } })).toBe(
      'postgres:16',
    );
    expect(
      clientImageOf({ postgresql: { image: { name: 'mirror.local/postgres', tag: '15' } } }),
    ).toBe('mirror.local/postgres:15');
    // the original chart's values name Bitnami's image: not a client of ours
    expect(
      clientImageOf({
        postgresql: {
          image: { registry: 'docker.io', repository: 'bitnami/postgresql', tag: '11.14.0' },
        },
      }),
    ).toBe('postgres:14');
    expect(clientImageOf(undefined)).toBe('postgres:14');
  });
});

describe('the kind of a database', () => {
  const pod = (name: string, labels: Record<string, string>) => ({ metadata: { name, labels } });
  it('ours, Bitnami or external by the pod the target names', () => {
    const ours = pod('pfs-postgresql-0', { 'app.kubernetes.io/component': 'postgresql' });
    const bitnami = pod('pfs-postgresql-0', { 'app.kubernetes.io/name': 'postgresql' });
    const bundledTarget = { ...target, service: 'pfs-postgresql', pod: 'pfs-postgresql-0' };
    expect(kindOf(bundledTarget, [ours])).toBe('bundled');
    expect(kindOf(bundledTarget, [bitnami])).toBe('bitnami');
    expect(kindOf(target, [ours])).toBe('external');
  });
});

describe('the reason of a failed command', () => {
  it('is the first error line, not psql statement echo nor the exit trailers', () => {
    const psql = [
      'ERROR:  relation "nope" does not exist',
      'LINE 1: select * from nope',
      '                      ^',
      'command terminated with exit code 1',
    ].join('\n');
    expect(reasonOf(psql)).toBe('ERROR:  relation "nope" does not exist');
    const kwok = [
      'pg_dump: error: connection to server failed: FATAL:  password authentication failed',
      'error: Internal error occurred: Internal error occurred: error executing command in container: cmd wait: pg_dump --format=custom: exit status 1',
    ].join('\n');
    expect(reasonOf(kwok)).toBe(
      'pg_dump: error: connection to server failed: FATAL:  password authentication failed',
    );
    expect(reasonOf('something else\nand the last word\n')).toBe('and the last word');
    expect(reasonOf('command terminated with exit code 3')).toBeUndefined();
  });
});
