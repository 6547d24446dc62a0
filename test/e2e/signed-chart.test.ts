// Released charts with --verify, end to end: a real signed chart repository on 127.0.0.1 (see
// support/chart-repo.ts), the real CLI with helm 3 and helm 4, the real control plane. A good
// signature installs; a tampered archive, a missing .prov, another key and an expired key are each
// refused with their own message, exit 1, and nothing created in the cluster.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { listRepoVersions } from '../../src/release/chart-source.js';
import { Helm } from '../../src/tools/helm.js';
import { type HelmUnderTest, helms } from '../support/tools.js';
import {
  type HelmHomes,
  helmHomes,
  type RepoName,
  releasedVersions,
  type SignedRepos,
  signedRepos,
} from './support/chart-repo.js';
import { cliBin, cliEnv, repoRoot } from './support/cli.js';
import {
  createNamespace,
  createPasswordSecret,
  helm,
  kubectl,
  kubectlJson,
} from './support/cluster.js';

const [helm3, helm4] = helms() as [HelmUnderTest, HelmUnderTest];
let repos: SignedRepos;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  repos = await signedRepos(helm3.path);
}, 120_000);
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
  await repos?.close();
});

let runs = 0;

/**
 * The CLI as a user runs it, but with HOME, helm's repository files and GnuPG all in a temporary
 * directory of this run's own: the developer's ~/.gnupg and helm configuration are never touched.
 * A fresh helm cache per run matters with helm 4: it caches archives and their .prov by the digest
 * in the index (HELM_CACHE_HOME/content), and `helm package` is deterministic, so the unsigned and
 * other-key repositories list the very digest the good one did and helm 4 would reuse its .prov.
 */
function isolatedEnv(h: HelmUnderTest): NodeJS.ProcessEnv & HelmHomes {
  runs += 1;
  const dir = join(repos.work, `user-${h.label}-${runs}`);
  const { GNUPGHOME: _g, XDG_CONFIG_HOME: _x, HELM_CONFIG_HOME: _c, ...env } = cliEnv(h);
  return { ...env, HOME: join(dir, 'home'), ...helmHomes(dir) };
}

function install(
  h: HelmUnderTest,
  namespace: string,
  args: string[],
  env: NodeJS.ProcessEnv = isolatedEnv(h),
) {
  return execa('node', [cliBin, 'install', '--yes', '-n', namespace, ...args], {
    env,
    extendEnv: false,
    reject: false,
    cwd: repoRoot,
  });
}

async function namespace(prefix: string): Promise<string> {
  const ns = await createNamespace(prefix);
  cleanups.push(ns.remove);
  return ns.name;
}

/** What a refused install must leave behind: no helm release Secret, no Deployment. */
async function assertNothingCreated(ns: string): Promise<void> {
  const secrets = await kubectlJson(['get', 'secrets', '-n', ns, '-l', 'owner=helm']);
  expect(secrets.items).toEqual([]);
  const deployments = await kubectlJson(['get', 'deployments', '-n', ns]);
  expect(deployments.items).toEqual([]);
}

describe.each([helm3, helm4])('released charts with --verify, $label', (h) => {
  it('installs a chart whose signature checks out, with --signing-key', async () => {
    const ns = await namespace(`e2e-signed-${h.label}`);
    const env = isolatedEnv(h);
    const result = await install(
      h,
      ns,
      ['--repo-url', repos.url('good'), '--verify', '--signing-key', repos.signer.publicKeyFile],
      env,
    );
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`Chart repository prefecthq (${repos.url('good')}) added`);
    expect(result.stdout).toContain(
      `Signature verified: prefect-server ${releasedVersions[1]} signed by ${repos.signer.uid} (key ${repos.signer.fingerprint})`,
    );
    expect(result.stdout).toContain('All workloads are ready');
    const releases = JSON.parse(
      String((await helm(h.path, ['list', '-n', ns, '--output', 'json'])).stdout),
    ) as { chart: string; status: string }[];
    expect(releases).toMatchObject([
      { chart: `prefect-server-${releasedVersions[1]}`, status: 'deployed' },
    ]);
    const deployments = await kubectlJson(['get', 'deployments', '-n', ns]);
    expect(deployments.items.length).toBeGreaterThan(0);
    // The repository was added once, under prefecthq, in the isolated helm configuration only.
    const config = parse(
      await readFile(join(env.HELM_CONFIG_HOME as string, 'repositories.yaml'), 'utf8'),
    ) as { repositories: { name: string; url: string }[] };
    expect(config.repositories).toEqual([
      expect.objectContaining({ name: 'prefecthq', url: repos.url('good') }),
    ]);
  });

  it.each([
    [
      'tampered',
      'keyring',
      /Chart archive prefect-server \(newest\) from \S+ does not match its signature \(digest mismatch\): it was changed after it was signed/,
      /helm said: sha256 sum does not match for prefect-server-2022\.09\.23\.tgz/,
    ],
    [
      'no-prov',
      'signing-key',
      /has no provenance \(\.prov\) file, so its signature cannot be checked/,
      /helm said: failed to fetch provenance "http:\/\/127\.0\.0\.1:\d+\/no-prov\/prefect-server-2022\.09\.23\.tgz\.prov"/,
    ],
    [
      'other-key',
      'signing-key',
      /is signed by another key, one that is not in the key of --signing-key /,
      /helm said: openpgp: signature made by unknown entity/,
    ],
    [
      'good',
      'ours',
      /is signed by another key, one that is not in this CLI's keyring \S+\/\.config\/prefect-server\/helm-keyring\.gpg/,
      /helm said: openpgp: signature made by unknown entity/,
    ],
    [
      'expired-key',
      'expired-key',
      /is signed with an expired key \([0-9A-F ]+ expired <expired@example\.test>, expires \d{4}-\d\d-\d\d\); helm v\d+\.\d+\.\d+ refuses any signature checked against an expired key/,
      /helm said: openpgp: key expired/,
    ],
  ] as [RepoName, string, RegExp, RegExp][])(
    'refuses %s (key given as %s): its own message, exit 1, nothing created',
    async (repo, keyFlag, message, helmSaid) => {
      const ns = await namespace(`e2e-refused-${h.label}`);
      // 'ours': no key flag, so the keyring of `verify-key` (Prefect's key) is made and used.
      const key =
        keyFlag === 'ours'
          ? []
          : keyFlag === 'keyring'
            ? ['--keyring', repos.signer.publicKeyring]
            : [
                '--signing-key',
                (keyFlag === 'expired-key' ? repos.expired : repos.signer).publicKeyFile,
              ];
      const result = await install(h, ns, ['--repo-url', repos.url(repo), '--verify', ...key]);
      expect(result.exitCode, String(result.stderr)).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(helmSaid);
      expect(result.stderr).toContain('Nothing was installed.');
      expect(result.stderr).toMatch(/^Hint: /m);
      expect(result.stdout).toContain('The chart signature check failed');
      await assertNothingCreated(ns);
    },
  );

  it('helm’s own check refuses after ours passed (archive replaced in between): the cause named, exit 1, nothing created', async () => {
    // The server hands out the signed archive to the CLI's `helm pull --verify`, and the tampered
    // one to the download `helm install --verify` makes itself.
    repos.rearmChanges();
    const ns = await namespace(`e2e-changed-${h.label}`);
    const result = await install(h, ns, [
      '--repo-url',
      repos.url('changes-after-check'),
      '--verify',
      '--signing-key',
      repos.signer.publicKeyFile,
    ]);
    expect(result.exitCode, String(result.stderr)).toBe(1);
    expect(result.stdout).toContain(
      `Signature verified: prefect-server ${releasedVersions[1]} signed by ${repos.signer.uid}`,
    );
    expect(result.stderr).toMatch(
      /^Error: helm install --verify refused the chart although the signature check just before it had passed: what helm fetched or read this time is not what was checked \(the repository or the keyring changed in between\)\. Chart archive prefect-server \S+ from \S+ does not match its signature \(digest mismatch\): it was changed after it was signed/m,
    );
    expect(result.stderr).toMatch(
      /^helm said: INSTALLATION FAILED: sha256 sum does not match for prefect-server-2022\.09\.23\.tgz/m,
    );
    expect(result.stderr).toMatch(/^Hint: Do not install it\..* Then run the same command again/m);
    expect(result.stderr).not.toContain('helm could not finish the install');
    await assertNothingCreated(ns);
  });

  it('the same for upgrade: helm upgrade --verify refused, the cause named, the release unchanged', async () => {
    const ns = await namespace(`e2e-changed-up-${h.label}`);
    const env = isolatedEnv(h);
    // An external database: a bundled one may not move from our chart to a released one (its
    // StatefulSet would have to become Bitnami's), which upgrade refuses before any download.
    await createPasswordSecret(ns, 'db-pass', 'postgres-password');
    const installed = await install(
      h,
      ns,
      ['--database', 'external', '--db-host', 'db.example.com', '--db-existing-secret', 'db-pass'],
      env,
    );
    expect(installed.exitCode, String(installed.stderr)).toBe(0);
    repos.rearmChanges();
    const result = await execa(
      'node',
      [
        cliBin,
        'upgrade',
        '--yes',
        '-n',
        ns,
        '--repo-url',
        repos.url('changes-after-check'),
        '--version',
        releasedVersions[1],
        '--verify',
        '--signing-key',
        repos.signer.publicKeyFile,
      ],
      { env, extendEnv: false, reject: false, cwd: repoRoot },
    );
    expect(result.exitCode, String(result.stderr)).toBe(1);
    expect(result.stdout).toContain(`Signature verified: prefect-server ${releasedVersions[1]}`);
    expect(result.stderr).toMatch(
      /^Error: helm upgrade --verify refused the chart although the signature check just before it had passed: .* does not match its signature \(digest mismatch\).* Nothing was changed\./m,
    );
    expect(result.stderr).toMatch(/^helm said: .*sha256 sum does not match/m);
    const history = JSON.parse(
      String((await helm(h.path, ['history', 'prefect-server', '-n', ns, '-o', 'json'])).stdout),
    ) as { revision: number }[];
    expect(history.map((r) => r.revision)).toEqual([1]);
  });

  it('refuses before creating the namespace it was asked to create', async () => {
    const ns = `e2e-refused-new-${h.label}-${Math.random().toString(16).slice(2, 8)}`;
    cleanups.push(async () => {
      await kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=false']);
    });
    const result = await install(h, ns, [
      '--create-namespace',
      '--repo-url',
      repos.url('tampered'),
      '--verify',
      '--signing-key',
      repos.signer.publicKeyFile,
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/digest mismatch/);
    const found = await kubectl(['get', 'namespace', ns, '--ignore-not-found', '-o', 'name']);
    expect(String(found.stdout).trim()).toBe('');
  });

  it('refuses a --signing-key file that is not a key as bad input (exit 2)', async () => {
    const ns = await namespace(`e2e-badkey-${h.label}`);
    const result = await install(h, ns, [
      '--repo-url',
      repos.url('good'),
      '--verify',
      '--signing-key',
      join(repoRoot, 'package.json'),
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/--signing-key: \S+package\.json holds no OpenPGP public key/);
    await assertNothingCreated(ns);
  });

  it('lists the released versions for the wizard, newest first, adding the repository once', async () => {
    const env = isolatedEnv(h) as Record<string, string> & HelmHomes;
    // In this process, with helm's own config dirs for the duration of the call.
    const saved = { ...process.env };
    Object.assign(process.env, env);
    let listed: { first: string[]; again: string[] };
    try {
      const helm = await Helm.create({});
      const first = await listRepoVersions(helm, repos.url('good'));
      const again = await listRepoVersions(helm, repos.url('good').replace(/\/$/, ''));
      listed = { first, again };
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
    expect(listed).toEqual({
      first: [...releasedVersions].reverse(),
      again: [...releasedVersions].reverse(),
    });
    const config = parse(
      await readFile(join(env.HELM_CONFIG_HOME, 'repositories.yaml'), 'utf8'),
    ) as { repositories: { name: string }[] };
    expect(config.repositories.map((r) => r.name)).toEqual(['prefecthq']);
  });
});
