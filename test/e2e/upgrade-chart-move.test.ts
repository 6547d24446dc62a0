// Moving a release installed by hand from a released chart to another released version. The
// releases are stand-ins of the original chart built from ../shared/original-chart data only
// (support/original-release.ts: its published values.yaml, contract.json's objects and Secret),
// served by a real chart repository on 127.0.0.1; never our chart under an old version number.
// Which values keys each era reads is asserted in test/unit/released-chart-values.test.ts against
// contract.json and the published values files; here the CLI's decisions meet a real cluster:
// - 2022.04.14 -> 2022.09.23 with the bundled database is refused before anything changes (the
//   Secret key move and the PostgreSQL major version), with the back-up command;
// - an external database moves, once its Secret holds the key the target chart reads;
// - a release of our chart with its bundled database is refused a move to a released chart
//   (its StatefulSet would have to become Bitnami's).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helms } from '../support/tools.js';
import { helmHomes } from './support/chart-repo.js';
import { cliEnv, runCli } from './support/cli.js';
import { kubectl, kubectlJson, namespacesForThisFile } from './support/cluster.js';
import { installOriginalRelease, serveOriginalCharts } from './support/original-release.js';
import { releaseHistory, releaseValues } from './support/release.js';

const [h3, h4] = helms() as [ReturnType<typeof helms>[0], ReturnType<typeof helms>[0]];
const from = '2022.04.14';
const to = '2022.09.23';
let repo: { url: string; close: () => Promise<void> };
let work: string;
const namespace = namespacesForThisFile();
// The releases were made by hand with helm 3, as in 2022: helm 4's server-side apply refuses the
// original 2022.04.14 objects (graphql and towel list PREFECT_SERVER__HASURA__HOST twice).
// The stand-ins' services follow `<c>.service.type` (LoadBalancer by default, as released); a
// LoadBalancer never gets an address here, so these releases were installed with ClusterIP.
const clusterIp = {
  apollo: { service: { type: 'ClusterIP' } },
  ui: { service: { type: 'ClusterIP' } },
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'chart-move-'));
  repo = await serveOriginalCharts(h4.path, [from, to]);
});
afterAll(async () => {
  await repo?.close();
  await rm(work, { recursive: true, force: true });
});

/**
 * Every object in the namespace with what a change to it would move: the generation of a
 * workload (its controllers keep updating its status, and so its resourceVersion, as pods come
 * up), the resourceVersion of anything else. Unchanged means untouched.
 */
async function objectVersions(ns: string): Promise<Record<string, string>> {
  const list = await kubectlJson<{
    items: {
      kind: string;
      metadata: { name: string; resourceVersion: string; generation?: number };
    }[];
  }>(['get', 'secrets,configmaps,services,deployments,statefulsets,serviceaccounts', '-n', ns]);
  return Object.fromEntries(
    list.items.map((o) => [
      `${o.kind}/${o.metadata.name}`,
      o.metadata.generation === undefined
        ? o.metadata.resourceVersion
        : `generation ${o.metadata.generation}`,
    ]),
  );
}

describe.each([h3, h4])('upgrade of a released chart across 2022.09.07 ($label)', (h) => {
  it(`${from} -> ${to} with the bundled database: exit 2, nothing changed, what to do`, async () => {
    const ns = await namespace(`e2e-move-bundled-${h.label}`);
    const env = cliEnv(h, helmHomes(join(work, `bundled-${h.label}`)));
    const original = await installOriginalRelease(h3.path, {
      version: from,
      namespace: ns,
      release: 'prefect-server',
      values: clusterIp,
    });
    await original.remove();
    // The release's own Secret as the 2022.04.14 chart made it (contract.json's dbSecret).
    const secret = await kubectlJson(['get', 'secret', 'prefect-server-postgresql', '-n', ns]);
    expect(Object.keys(secret.data)).toEqual(['postgresql-password']);
    const objects = await objectVersions(ns);
    const history = await releaseHistory(h.path, ns);
    expect(history.map((r) => [r.revision, r.chart])).toEqual([[1, `prefect-server-${from}`]]);

    for (const extra of [[], ['--dry-run']]) {
      const refused = await runCli(
        h,
        ['upgrade', '-n', ns, '--version', to, '--repo-url', repo.url, '--yes', ...extra],
        { env, input: '' },
      );
      expect(refused.exitCode, String(refused.stderr)).toBe(2);
      const said = String(refused.stderr);
      expect(said).toContain(
        `Release prefect-server cannot move from chart ${from} to ${to} with its bundled database`,
      );
      expect(said).toContain('PostgreSQL 9 -> 11');
      expect(said).toContain('prefect-server-postgresql holds postgresql-password');
      expect(said).toContain(
        'PASSWORDS ERROR: the secret does not contain the key postgres-password',
      );
      expect(said).toContain('cannot open a data directory written by another major version');
      expect(said).toContain(
        `kubectl exec -n ${ns} prefect-server-postgresql-0 -- sh -c 'PGPASSWORD="$POSTGRES_PASSWORD" pg_dump`,
      );
      expect(said).toContain('not built yet');
      expect(said).toContain(
        `prefect-server upgrade -n ${ns} --release prefect-server --version ${to} --move-database`,
      );
      expect(said).toContain('Nothing was changed');
    }
    expect(await releaseHistory(h.path, ns)).toEqual(history);
    expect(await objectVersions(ns)).toEqual(objects);
    expect(
      (await kubectlJson(['get', 'secret', 'prefect-server-postgresql', '-n', ns])).data,
    ).toEqual(secret.data);
  });

  it(`${from} -> ${to} with an external database: its Secret must hold postgres-password, then it moves`, async () => {
    // The stand-ins' pods name contract.json's default Secret whatever the values say; with an
    // external database that Secret is not made, so their references are broken on purpose.
    const ns = await namespace(`e2e-move-external-${h.label}`, { brokenReferencesExpected: true });
    const env = cliEnv(h, helmHomes(join(work, `external-${h.label}`)));
    // The user's own Secret, as the 2022.04.14 manual says: key postgresql-password.
    const userSecret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'my-pg', namespace: ns },
      stringData: { 'postgresql-password': 'pw-from-a-file' },
    };
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(userSecret) });
    const original = await installOriginalRelease(h3.path, {
      version: from,
      namespace: ns,
      release: 'prefect-server',
      values: {
        ...clusterIp,
        postgresql: {
          useSubChart: false,
          externalHostname: 'db.example.com',
          existingSecret: 'my-pg',
        },
      },
    });
    await original.remove();
    const upgrade = (extra: string[]) =>
      runCli(h, ['upgrade', '-n', ns, '--version', to, '--yes', ...extra], { env, input: '' });

    const missingKey = await upgrade(['--repo-url', repo.url]);
    expect(missingKey.exitCode, String(missingKey.stderr)).toBe(2);
    expect(missingKey.stderr).toContain(
      `Chart ${to} reads the database password from the key postgres-password of Secret my-pg, which holds only postgresql-password`,
    );
    expect(missingKey.stderr).toContain(
      `kubectl get secret my-pg -n ${ns} -o json | jq '.data["postgres-password"] = .data["postgresql-password"]' | kubectl apply -f -`,
    );
    expect(missingKey.stderr).not.toContain('pw-from-a-file');
    expect((await releaseHistory(h.path, ns)).map((r) => r.revision)).toEqual([1]);

    // The fix the hint gives, done here without jq: the same key copy inside the cluster.
    const secret = await kubectlJson(['get', 'secret', 'my-pg', '-n', ns]);
    const copied = { ...secret.data, 'postgres-password': secret.data['postgresql-password'] };
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({ ...userSecret, stringData: undefined, data: copied }),
    });

    // helm keeps no record of the repository: without --repo-url the public one is tried. A proxy
    // that refuses keeps it unreachable even on a machine with internet access.
    const guessed = await runCli(h, ['upgrade', '-n', ns, '--version', to, '--yes'], {
      env: { ...env, HTTPS_PROXY: 'http://127.0.0.1:9', https_proxy: 'http://127.0.0.1:9' },
      input: '',
    });
    expect(guessed.exitCode).not.toBe(0);
    expect(guessed.stderr).toContain('name it: --repo-url URL. Nothing was changed.');

    // A version the repository does not have: bad input, naming the versions it has.
    const missing = await runCli(
      h,
      ['upgrade', '-n', ns, '--version', '2099.01.01', '--repo-url', repo.url, '--yes'],
      { env, input: '' },
    );
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(
      `Chart version 2099.01.01 is not in ${repo.url} (it has: ${to}, ${from}).`,
    );
    expect((await releaseHistory(h.path, ns)).map((r) => r.revision)).toEqual([1]);

    const moved = await upgrade(['--repo-url', repo.url]);
    expect(moved.exitCode, String(moved.stderr)).toBe(0);
    expect(`${moved.stdout}${moved.stderr}`).not.toContain('pw-from-a-file');
    expect((await releaseHistory(h.path, ns)).at(-1)).toMatchObject({
      revision: 2,
      status: 'deployed',
      chart: `prefect-server-${to}`,
    });
    // The top-level key both releases read stays as the user wrote it.
    expect((await releaseValues(h.path, ns)).postgresql).toEqual({
      useSubChart: false,
      externalHostname: 'db.example.com',
      existingSecret: 'my-pg',
    });
  });
});

describe('a release of our chart with the bundled database', () => {
  it(`is refused a move to the released ${to} before anything changes`, async () => {
    const ns = await namespace('e2e-move-ours');
    expect((await runCli(h3, ['install', '--yes', '-n', ns, '--no-tenant'])).exitCode).toBe(0);
    const history = await releaseHistory(h3.path, ns);
    const secret = await kubectlJson(['get', 'secret', 'prefect-server-postgresql', '-n', ns]);
    const env = cliEnv(h3, helmHomes(join(work, 'ours')));
    const refused = await runCli(
      h3,
      ['upgrade', '-n', ns, '--version', to, '--repo-url', repo.url, '--yes'],
      { env, input: '' },
    );
    expect(refused.exitCode, String(refused.stderr)).toBe(2);
    expect(String(refused.stderr)).toContain(
      `Release prefect-server cannot move from chart 0.1.0 to ${to} with its bundled database`,
    );
    expect(String(refused.stderr)).toContain('changes its selector and data directory layout');
    expect(await releaseHistory(h3.path, ns)).toEqual(history);
    expect(
      (await kubectlJson(['get', 'secret', 'prefect-server-postgresql', '-n', ns])).data,
    ).toEqual(secret.data);
  });
});
