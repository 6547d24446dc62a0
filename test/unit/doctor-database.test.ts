// doctor's database checks: where the database is (from the hasura Deployment), and the verdicts
// on PostgreSQL's answers. The real server is exercised in test/e2e/doctor.test.ts.
import { describe, expect, it } from 'vitest';
import { judgeExtensions, judgeHdbCatalog } from '../../src/checks/database.js';
import { badPasswordWaysOut, judgeLoginError } from '../../src/checks/database-login.js';
import { judgeSecret } from '../../src/checks/database-secret.js';
import {
  type DatabaseTarget,
  databaseTargetOf,
  quoteIdent,
} from '../../src/checks/database-target.js';
import { parseDatabaseUrl } from '../../src/checks/database-url.js';
import { InputError } from '../../src/errors.js';
import type { Workload } from '../../src/tools/kube-objects.js';

function hasura(
  url: string,
  secret = { name: 'r-postgresql', key: 'postgresql-password' },
): Workload {
  return {
    kind: 'Deployment',
    metadata: { name: 'r-hasura', labels: { 'app.kubernetes.io/component': 'hasura' } },
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'hasura',
              env: [
                { name: 'HASURA_GRAPHQL_DATABASE_URL', value: url },
                { name: 'PGPASSWORD', valueFrom: { secretKeyRef: secret } },
              ],
            },
          ],
        },
      },
    },
  };
}

const services = [{ metadata: { name: 'r-postgresql' } }];
const pods = [
  { metadata: { name: 'r-postgresql-0', labels: { 'app.kubernetes.io/component': 'postgresql' } } },
];
const bundled: DatabaseTarget = {
  user: 'prefect',
  host: 'r-postgresql.ns',
  port: 5432,
  database: 'prefect',
  secret: { name: 'r-postgresql', key: 'postgresql-password' },
  service: 'r-postgresql',
  pod: 'r-postgresql-0',
};
const external: DatabaseTarget = {
  ...bundled,
  host: 'pg.internal',
  service: undefined,
  pod: undefined,
  secret: { name: 'prefect-db', key: 'postgres-password' },
};
const where = { user: 'prefect', database: 'prefect', host: 'pg.internal', port: 5432 };

describe('where the database is', () => {
  it('the bundled database: the Service of the namespace, its pod, the Secret hasura reads', () => {
    expect(
      databaseTargetOf(
        [hasura('postgresql://prefect@r-postgresql.ns:5432/prefect')],
        services,
        pods,
        'ns',
      ),
    ).toEqual(bundled);
  });

  it.each(['r-postgresql', 'r-postgresql.ns.svc', 'r-postgresql.ns.svc.cluster.local'])(
    'host %s is the same Service',
    (host) => {
      const t = databaseTargetOf(
        [hasura(`postgresql://prefect@${host}:5432/prefect`)],
        services,
        pods,
        'ns',
      );
      expect(t?.service).toBe('r-postgresql');
    },
  );

  it('an external host is reached only with --database-url; a user with %40 is decoded', () => {
    const t = databaseTargetOf(
      [
        hasura('postgresql://prefect%40server@pg.internal:6432/flows', {
          name: 'db',
          key: 'postgres-password',
        }),
      ],
      services,
      pods,
      'ns',
    );
    expect(t).toMatchObject({
      user: 'prefect@server',
      host: 'pg.internal',
      port: 6432,
      database: 'flows',
      service: undefined,
      pod: undefined,
      secret: { name: 'db', key: 'postgres-password' },
    });
  });

  it('a Service of the same name in another namespace is not ours', () => {
    const t = databaseTargetOf(
      [hasura('postgresql://prefect@r-postgresql.other:5432/prefect')],
      services,
      pods,
      'ns',
    );
    expect(t?.service).toBeUndefined();
  });

  it('no hasura and no graphql: nothing to go on', () => {
    expect(databaseTargetOf([], services, pods, 'ns')).toBeUndefined();
  });
});

describe('--database-url', () => {
  it('takes user, password, host, port, database and sslmode', () => {
    expect(
      parseDatabaseUrl('postgresql://u:p%40ss@db.example.com:6543/flows?sslmode=require'),
    ).toEqual({
      user: 'u',
      password: 'p@ss',
      host: 'db.example.com',
      port: 6543,
      database: 'flows',
      ssl: { rejectUnauthorized: false },
    });
    expect(parseDatabaseUrl('postgres://u@10.0.0.1/prefect')).toMatchObject({
      port: 5432,
      password: undefined,
      ssl: false,
    });
  });

  it.each(['not a url', 'mysql://u@h/db', 'postgresql://h/db'])(
    'refuses %s as bad input',
    (url) => {
      expect(() => parseDatabaseUrl(url)).toThrow(InputError);
    },
  );
});

describe('the password Secret', () => {
  const fact = {
    name: 'r-postgresql',
    key: 'postgresql-password',
    exists: true,
    keys: ['postgresql-password'],
    password: 'x',
  };

  it('passes with the key present and not empty', () => {
    expect(judgeSecret(fact, 'ns')).toMatchObject({ status: 'pass' });
  });

  it('a missing Secret fails with the command that creates it from a file', () => {
    const result = judgeSecret({ ...fact, exists: false, keys: [], password: undefined }, 'ns');
    expect(result.status).toBe('fail');
    expect(result.hint).toContain(
      'kubectl create secret generic r-postgresql -n ns --from-file=postgresql-password=PASSWORD_FILE',
    );
  });

  it('a Secret with the wrong key names the keys it has and the one the pods read', () => {
    const result = judgeSecret({ ...fact, keys: ['password'], password: undefined }, 'ns');
    expect(result).toMatchObject({ status: 'fail', badInput: true });
    expect(result.message).toBe(
      'Secret r-postgresql has no key postgresql-password (it has: password); the pods read the password from postgresql-password',
    );
  });

  it("a Secret written for the other era's key says which era each key belongs to", () => {
    // A 2022.09-era Secret (postgres-password) under pods of a 2022.04-era release, and back.
    const seedPods = judgeSecret(
      { ...fact, keys: ['postgres-password'], password: undefined },
      'ns',
    );
    expect(seedPods).toMatchObject({ status: 'fail', badInput: true });
    expect(seedPods.message).toBe(
      'Secret r-postgresql holds the password under postgres-password (the key charts from 2022.09.07 read), but the pods read postgresql-password (the key charts up to 2022.04.14 read)',
    );
    expect(seedPods.hint).toContain(
      `jq '.data["postgresql-password"] = .data["postgres-password"]'`,
    );
    const newPods = judgeSecret(
      { ...fact, key: 'postgres-password', keys: ['postgresql-password'], password: undefined },
      'ns',
    );
    expect(newPods.message).toContain(
      'holds the password under postgresql-password (the key charts up to 2022.04.14 read)',
    );
    expect(newPods.hint).not.toMatch(/--from-literal|PASSWORD=/);
  });
});

describe('logging in', () => {
  const via = { user: 'prefect', database: 'prefect', via: 'through a port-forward' };

  it('a bad password (28P01) fails with the manual’s two ways out and never the password', () => {
    const result = judgeLoginError(
      { code: '28P01', message: 'password authentication failed for user "prefect"' },
      via,
      bundled,
      'ns',
      'r',
    );
    expect(result.status).toBe('fail');
    expect(result.message).toContain('keeps the password it was created with');
    expect(result.details?.[0]).toContain(
      'kubectl create secret generic r-postgresql -n ns --from-file=postgresql-password=PASSWORD_FILE --from-file=postgres-password=PASSWORD_FILE',
    );
    expect(result.details?.[1]).toContain('kubectl exec -n ns r-postgresql-0 --');
    expect(result.details?.[2]).toBe(
      'Then restart the server: kubectl rollout restart deployment -n ns -l app.kubernetes.io/instance=r',
    );
  });

  it('for an external database the second way is SQL for its administrator', () => {
    const lines = badPasswordWaysOut(external, 'ns', 'r');
    expect(lines[0]).toContain('--from-file=postgres-password=PASSWORD_FILE');
    expect(lines[1]).toContain("ALTER USER prefect PASSWORD '...';");
  });

  it.each([
    ['28000', 'role "prefect" does not exist', 'fail'],
    ['3D000', 'database "prefect" does not exist', 'fail'],
    ['57P03', 'the database system is starting up', 'warn'],
    [undefined, 'connect ECONNREFUSED 127.0.0.1:5432', 'warn'],
  ])('code %s (%s) is a %s', (code, message, status) => {
    expect(judgeLoginError({ code, message }, via, bundled, 'ns', 'r').status).toBe(status);
  });

  it('an unreachable external database suggests --database-url', () => {
    const result = judgeLoginError({ message: 'timeout' }, via, external, 'ns', 'r');
    expect(result.message).toMatch(/^cannot run: /);
    expect(result.hint).toContain('--database-url');
  });
});

describe('what hasura needs', () => {
  it('both extensions: pass; one missing: the CREATE EXTENSION to run, in the pod', () => {
    expect(judgeExtensions(['pgcrypto', 'pg_trgm'], bundled, where, 'ns').status).toBe('pass');
    const result = judgeExtensions(['pgcrypto'], bundled, where, 'ns');
    expect(result.status).toBe('fail');
    expect(result.message).toContain('extension pg_trgm is not installed');
    expect(result.hint).toBe(
      "Install it: kubectl exec -n ns r-postgresql-0 -- psql -U prefect -d prefect -c 'CREATE EXTENSION IF NOT EXISTS pg_trgm;'",
    );
  });

  it('an external database gets a psql command for a superuser', () => {
    const result = judgeExtensions([], external, where, 'ns');
    expect(result.hint).toContain(
      `psql "postgresql://ADMIN@pg.internal:5432/prefect" -c 'CREATE EXTENSION IF NOT EXISTS pgcrypto; CREATE EXTENSION IF NOT EXISTS pg_trgm;'`,
    );
  });

  it('hdb_catalog owned by the hasura user passes; not there yet passes too', () => {
    expect(
      judgeHdbCatalog(
        { schemaOwner: 'prefect', functionOwner: 'prefect' },
        'prefect',
        bundled,
        where,
        'ns',
      ).status,
    ).toBe('pass');
    expect(
      judgeHdbCatalog(
        { schemaOwner: undefined, functionOwner: undefined },
        'prefect',
        bundled,
        where,
        'ns',
      ),
    ).toMatchObject({
      status: 'pass',
      message: expect.stringContaining('no schema hdb_catalog yet'),
    });
  });

  it('owned by another role: the manual’s ALTER ... OWNER TO fix, for schema and function', () => {
    const result = judgeHdbCatalog(
      { schemaOwner: 'postgres', functionOwner: 'hasura' },
      'prefect',
      bundled,
      where,
      'ns',
    );
    expect(result.status).toBe('fail');
    expect(result.message).toContain('schema hdb_catalog is owned by postgres');
    expect(result.message).toContain('function hdb_catalog.insert_event_log is owned by hasura');
    expect(result.hint).toContain(
      'ALTER SCHEMA hdb_catalog OWNER TO prefect; ALTER FUNCTION hdb_catalog.insert_event_log OWNER TO prefect;',
    );
  });

  it('quotes role names psql needs quoted', () => {
    expect(quoteIdent('prefect')).toBe('prefect');
    expect(quoteIdent('Prefect-User')).toBe('"Prefect-User"');
    expect(quoteIdent('a"b')).toBe('"a""b"');
  });
});
