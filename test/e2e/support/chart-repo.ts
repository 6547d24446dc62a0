// A real, signed Helm chart repository on 127.0.0.1 for the signature tests: throwaway GnuPG keys
// made here, chart/ packaged and signed by helm itself (`helm package --sign`), indexed by
// `helm repo index`, and served by a small HTTP server. Nothing here reads or writes ~/.gnupg or
// the developer's helm configuration: every gpg call names its home, every helm call gets its own
// HELM_*_HOME.
import { createReadStream } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize, resolve, sep } from 'node:path';
import { execa } from 'execa';

export const repoRoot = resolve(import.meta.dirname, '../../..');
export const chartDir = join(repoRoot, 'chart');

/** gpg bound to one throwaway home. */
export function gpg(home: string, args: string[], options: { input?: string } = {}) {
  return execa('gpg', ['--batch', '--no-tty', '--homedir', home, ...args], {
    input: options.input ?? '',
  });
}

export interface TestKey {
  home: string;
  uid: string;
  fingerprint: string;
  /** ASCII-armored public key (what --signing-key is given). */
  publicKeyFile: string;
  /** Binary legacy keyring of the public key (what --keyring is given). */
  publicKeyring: string;
  /** Legacy secret keyring, which `helm package --sign --keyring` needs. */
  secretKeyring: string;
}

/**
 * A signing key without a passphrase in its own GnuPG home. With `expiredDaysAgo`, the key is
 * made in the past (gpg --faked-system-time) with a one-day lifetime, so it has already expired.
 */
export async function makeKey(
  dir: string,
  name: string,
  options: { expiredDaysAgo?: number } = {},
): Promise<TestKey> {
  const home = join(dir, `gnupg-${name}`);
  await mkdir(home, { recursive: true, mode: 0o700 });
  const uid = `${name} <${name}@example.test>`;
  const faked =
    options.expiredDaysAgo === undefined
      ? []
      : [
          '--faked-system-time',
          `${Math.floor(Date.now() / 1000) - (options.expiredDaysAgo + 1) * 86_400}!`,
        ];
  await gpg(home, [
    ...faked,
    '--passphrase',
    '',
    '--pinentry-mode',
    'loopback',
    '--quick-gen-key',
    uid,
    'rsa2048',
    'sign',
    options.expiredDaysAgo === undefined ? 'never' : '1d',
  ]);
  const listing = await gpg(home, ['--with-colons', '--list-keys', uid]);
  const fingerprint = String(listing.stdout).match(/^fpr:+([0-9A-F]{40}):/m)?.[1] as string;
  const key: TestKey = {
    home,
    uid,
    fingerprint,
    publicKeyFile: join(dir, `${name}.asc`),
    publicKeyring: join(dir, `${name}-pubring.gpg`),
    secretKeyring: join(dir, `${name}-secring.gpg`),
  };
  await gpg(home, ['--armor', '--output', key.publicKeyFile, '--export', fingerprint]);
  await gpg(home, ['--output', key.publicKeyring, '--export', fingerprint]);
  await gpg(home, [
    '--passphrase',
    '',
    '--pinentry-mode',
    'loopback',
    '--output',
    key.secretKeyring,
    '--export-secret-keys',
    fingerprint,
  ]);
  return key;
}

/** Stops the gpg-agent that key generation started in that home. */
export async function stopAgent(key: TestKey): Promise<void> {
  await execa('gpgconf', ['--homedir', key.home, '--kill', 'all'], { reject: false });
}

/** An environment where helm's repository files live in `dir`, never in the user's. */
// A type, not an interface: it is passed where a Record<string, string> of variables is expected.
export type HelmHomes = {
  HELM_CONFIG_HOME: string;
  HELM_CACHE_HOME: string;
  HELM_DATA_HOME: string;
};

export function helmHomes(dir: string): HelmHomes {
  return {
    HELM_CONFIG_HOME: join(dir, 'helm-config'),
    HELM_CACHE_HOME: join(dir, 'helm-cache'),
    HELM_DATA_HOME: join(dir, 'helm-data'),
  };
}

/** `helm package --sign` of chart/ at `version` into `dest`: the .tgz and its .prov. */
export async function packageSigned(
  helmPath: string,
  key: TestKey,
  version: string,
  dest: string,
  homes: Record<string, string>,
): Promise<string> {
  await mkdir(dest, { recursive: true });
  await execa(
    helmPath,
    [
      'package',
      chartDir,
      '--version',
      version,
      '--sign',
      '--key',
      key.uid,
      '--keyring',
      key.secretKeyring,
      '--destination',
      dest,
    ],
    { env: homes },
  );
  return join(dest, `prefect-server-${version}.tgz`);
}

/** Rewrites a packaged chart with one changed file: a valid archive that is not the signed one. */
export async function tamper(archive: string, work: string): Promise<void> {
  const unpacked = await mkdtemp(join(work, 'tamper-'));
  await execa('tar', ['-xzf', archive, '-C', unpacked]);
  const values = join(unpacked, 'prefect-server', 'values.yaml');
  await writeFile(values, '\n# changed after signing\n', { flag: 'a' });
  await execa('tar', ['-czf', archive, '-C', unpacked, 'prefect-server']);
  await rm(unpacked, { recursive: true, force: true });
}

/**
 * Serves the files under `root` on 127.0.0.1 (a free port); 404 for anything missing. A path in
 * `changes` is served as itself the first time and as the file it maps to from then on: a
 * repository whose archive is replaced between two downloads (`rearm` starts the count again).
 */
export async function serve(
  root: string,
  changes: Record<string, string> = {},
): Promise<{ url: string; close: () => Promise<void>; rearm: () => void }> {
  const base = resolve(root);
  const served = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const times = served.get(path) ?? 0;
    served.set(path, times + 1);
    const changed = changes[path] !== undefined && times > 0 ? changes[path] : undefined;
    const file = normalize(join(base, changed ?? path));
    if (!file.startsWith(base + sep)) {
      response.writeHead(403).end();
      return;
    }
    stat(file).then(
      (info) => {
        if (!info.isFile()) {
          response.writeHead(404).end();
          return;
        }
        response.writeHead(200, { 'content-length': info.size });
        createReadStream(file).pipe(response);
      },
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    rearm: () => served.clear(),
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

export interface SignedRepos {
  url: (name: RepoName) => string;
  /** `changes-after-check` serves its signed archive once, then the tampered one: serve it anew. */
  rearmChanges: () => void;
  signer: TestKey;
  other: TestKey;
  expired: TestKey;
  work: string;
  close: () => Promise<void>;
}

export type RepoName =
  | 'good'
  | 'tampered'
  | 'no-prov'
  | 'other-key'
  | 'expired-key'
  | 'changes-after-check';
export const releasedVersions = ['2022.09.07', '2022.09.23'] as const;

/**
 * Six repositories of the same chart: `good` (two signed versions), `tampered` (the archive
 * changed after signing, index rebuilt to match it), `no-prov` (the .prov removed), `other-key`
 * (signed by a second key), `expired-key` (signed by a key that has expired) and
 * `changes-after-check` (the good archive and index, but from the second download on the server
 * hands out the tampered archive: the CLI's `helm pull --verify` passes, helm's own check in
 * `helm install|upgrade --verify` then fails).
 */
export async function signedRepos(helmPath: string): Promise<SignedRepos> {
  const work = await mkdtemp(join(tmpdir(), 'signed-charts-'));
  const homes = helmHomes(join(work, 'packager'));
  const [signer, other, expired] = await Promise.all([
    makeKey(work, 'signer'),
    makeKey(work, 'other'),
    makeKey(work, 'expired', { expiredDaysAgo: 1 }),
  ]);
  const root = join(work, 'www');
  for (const version of releasedVersions)
    await packageSigned(helmPath, signer, version, join(root, 'good'), homes);
  const latest = releasedVersions[1];
  const file = `prefect-server-${latest}.tgz`;
  await cp(join(root, 'good', file), join(root, 'tampered', file));
  await cp(join(root, 'good', `${file}.prov`), join(root, 'tampered', `${file}.prov`));
  await tamper(join(root, 'tampered', file), work);
  await cp(join(root, 'good', file), join(root, 'no-prov', file));
  await packageSigned(helmPath, other, latest, join(root, 'other-key'), homes);
  await packageSigned(helmPath, expired, latest, join(root, 'expired-key'), homes);
  const changing = join(root, 'changes-after-check');
  await cp(join(root, 'good', file), join(changing, file));
  await cp(join(root, 'good', `${file}.prov`), join(changing, `${file}.prov`));
  // Beside the repository, not in it: `helm repo index` would list an archive in a subdirectory.
  await cp(join(root, 'tampered', file), join(root, 'replacement', file));

  const server = await serve(root, {
    [`/changes-after-check/${file}`]: `/replacement/${file}`,
  });
  const names: RepoName[] = [
    'good',
    'tampered',
    'no-prov',
    'other-key',
    'expired-key',
    'changes-after-check',
  ];
  for (const name of names) {
    await execa(helmPath, ['repo', 'index', join(root, name), '--url', `${server.url}${name}/`], {
      env: homes,
    });
  }
  return {
    url: (name) => `${server.url}${name}/`,
    rearmChanges: server.rearm,
    signer,
    other,
    expired,
    work,
    close: async () => {
      await server.close();
      await Promise.all([signer, other, expired].map(stopAgent));
      await rm(work, { recursive: true, force: true });
    },
  };
}
