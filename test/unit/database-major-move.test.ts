// Which upgrades may carry the bundled database along, decided before anything changes. The facts
// per release (Secret keys, database image) are checked against contract.json, not assumed.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InstallPlan } from '../../src/plan/install-plan.js';
import {
  backupCommand,
  planDatabaseMove,
  secretKeyProblem,
} from '../../src/upgrade/database-major-move.js';
import { passwordSecretKeys, releasedEra } from '../../src/values/values-era.js';

const shared = resolve(import.meta.dirname, '../../../shared/original-chart');
// biome-ignore lint/suspicious/noExplicitAny: contract.json is data read by deep paths.
const contract = JSON.parse(readFileSync(join(shared, 'contract.json'), 'utf8')) as any;

const repo = (version: string | undefined): InstallPlan['chart'] => ({
  source: 'repo',
  repoUrl: 'https://charts.example.com/',
  version,
  verify: false,
  keyring: undefined,
  signingKey: undefined,
});
const base = { release: 'pf', namespace: 'prefect', userValues: {} };

describe('the facts the rule stands on, from contract.json', () => {
  it('the bundled database Secret holds postgresql-password up to 2022.04.14, postgres-password from 2022.09.07', () => {
    for (const [version, render] of Object.entries(contract.cases.default.renders) as [
      string,
      { dbSecret: { name: string; keys: string[] }; database: { image: string } },
    ][]) {
      const seed = releasedEra(version) === 'seed';
      expect(render.dbSecret.name).toBe('prefect-postgresql');
      expect(render.dbSecret.keys).toContain(seed ? 'postgresql-password' : 'postgres-password');
      expect(render.dbSecret.keys).not.toContain(
        seed ? 'postgres-password' : 'postgresql-password',
      );
      // The server's major version changes with the subchart: 11 up to 2022.04.14, 14 after.
      expect(render.database.image).toMatch(seed ? /postgresql:11\./ : /postgresql:14\./);
    }
  });
});

describe('planDatabaseMove', () => {
  it('refuses 2022.04.14 -> 2022.09.23 with the bundled database, saying why and what to do', () => {
    const move = planDatabaseMove({
      ...base,
      currentVersion: '2022.04.14',
      target: repo('2022.09.23'),
    });
    expect(move.kind).toBe('refuse');
    if (move.kind !== 'refuse') return;
    expect(move.message).toContain('Release pf cannot move from chart 2022.04.14 to 2022.09.23');
    expect(move.message).toContain('PostgreSQL 9 -> 11');
    expect(move.message).toContain('pf-postgresql holds postgresql-password');
    expect(move.message).toContain(
      'PASSWORDS ERROR: the secret does not contain the key postgres-password',
    );
    expect(move.message).toContain('cannot open a data directory written by another major version');
    expect(move.message).toContain('Nothing was changed');
    expect(move.hint).toContain(backupCommand('pf', 'prefect'));
    expect(move.hint).toContain('not built yet');
    expect(move.hint).toContain(
      'prefect-server upgrade -n prefect --release pf --version 2022.09.23 --move-database',
    );
  });

  it('the backup command carries no password: the pod reads its own', () => {
    const command = backupCommand('pf', 'prefect');
    expect(command).toContain('kubectl exec -n prefect pf-postgresql-0 --');
    expect(command).toContain('PGPASSWORD="$POSTGRES_PASSWORD"');
    // The env names it uses are the ones the database container has in every release.
    for (const render of Object.values(contract.cases.default.renders) as {
      database: { env: string[] };
    }[])
      for (const name of ['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB'])
        expect(render.database.env).toContain(name);
  });

  it.each([
    ['2021.04.27', repo('2022.09.07')],
    ['21.10.21', repo(undefined)],
    ['2022.04.14', { source: 'bundled' } as const],
    ['2022.09.23', { source: 'bundled' } as const],
    ['2022.09.23', repo('2022.04.14')],
    // Our chart's StatefulSet (official image) cannot become the Bitnami subchart's either.
    ['0.1.0', repo('2022.09.23')],
    ['0.1.0', repo('2022.04.14')],
  ])('refuses %s -> %o with the bundled database', (currentVersion, target) => {
    expect(planDatabaseMove({ ...base, currentVersion, target }).kind).toBe('refuse');
  });

  it.each([
    ['2021.04.27', repo('2022.04.14')],
    ['2022.09.07', repo('2022.09.23')],
    ['0.1.0', { source: 'bundled' } as const],
  ])('lets %s -> %o go on', (currentVersion, target) => {
    expect(planDatabaseMove({ ...base, currentVersion, target }).kind).toBe('none');
  });

  it('from our chart, the refusal names the StatefulSet change; the same server major is not called a data-directory problem', () => {
    const move = planDatabaseMove({ ...base, currentVersion: '0.1.0', target: repo('2022.09.23') });
    expect(move.kind).toBe('refuse');
    if (move.kind !== 'refuse') return;
    expect(move.message).toContain('changes its selector and data directory layout');
    expect(move.message).not.toContain('another major version');
    const older = planDatabaseMove({
      ...base,
      currentVersion: '0.1.0',
      target: repo('2022.04.14'),
    });
    expect(older.kind === 'refuse' && older.message).toContain('another major version');
  });

  it('an external database on our chart moves to a released one; its Secret must hold that key', () => {
    const userValues = {
      postgresql: { useSubChart: false, externalHostname: 'db', existingSecret: 'my-pg' },
    };
    expect(
      planDatabaseMove({
        ...base,
        userValues,
        currentVersion: '0.1.0',
        target: repo('2022.09.23'),
      }),
    ).toEqual({
      kind: 'check-secret',
      secret: 'my-pg',
      keys: ['postgres-password'],
      currentKeys: ['postgres-password', 'postgresql-password'],
    });
  });

  it('an external database moves; its Secret must hold the key the target reads', () => {
    const userValues = {
      postgresql: { useSubChart: false, externalHostname: 'db', existingSecret: 'my-pg' },
    };
    const move = planDatabaseMove({
      ...base,
      userValues,
      currentVersion: '2022.04.14',
      target: repo('2022.09.23'),
    });
    expect(move).toEqual({
      kind: 'check-secret',
      secret: 'my-pg',
      keys: passwordSecretKeys('2022.09'),
      currentKeys: ['postgresql-password'],
    });
    if (move.kind !== 'check-secret') return;
    const input = { ...base, currentVersion: '2022.04.14', target: repo('2022.09.23') };
    expect(
      secretKeyProblem(move, input, ['postgres-password', 'postgresql-password']),
    ).toBeUndefined();
    const missingKey = secretKeyProblem(move, input, ['postgresql-password']);
    expect(missingKey?.message).toContain(
      'Chart 2022.09.23 reads the database password from the key postgres-password of Secret my-pg, which holds only postgresql-password',
    );
    expect(missingKey?.hint).toContain(
      `kubectl get secret my-pg -n prefect -o json | jq '.data["postgres-password"] = .data["postgresql-password"]' | kubectl apply -f -`,
    );
    expect(secretKeyProblem(move, input, undefined)?.message).toContain('does not exist');
    // Same era: nothing to check.
    expect(
      planDatabaseMove({
        ...base,
        userValues,
        currentVersion: '2022.01.25',
        target: repo('2022.04.14'),
      }),
    ).toEqual({ kind: 'none' });
  });
});
