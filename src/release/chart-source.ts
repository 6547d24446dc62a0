// Where helm gets the chart: the one bundled in this package, or a released one from a Helm
// repository, which is added under the name `prefecthq` (idempotently, never replacing a
// repository of the user's) and updated; with --verify the archive's signature is checked by
// `helm pull --verify` before anything in the cluster changes, then again by helm itself.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { InputError, UserError } from '../errors.js';
import { packageRoot } from '../package-root.js';
import type { InstallPlan } from '../plan/install-plan.js';
import {
  classifyVerificationError,
  helmErrorLine,
  mentionsSignature,
  type VerificationContext,
  verificationRefusal,
} from '../signing/diagnosis.js';
import type { PublicKeyInfo } from '../signing/gpg-colons.js';
import { ensureOurKeyring, exists, keysOfKeyring, temporaryKeyring } from '../signing/keyring.js';
import type { Helm } from '../tools/helm.js';
import type { Output } from '../ui/output.js';
import { compareVersions } from '../values/values-era.js';

/** The chart shipped inside this package (beside dist/ when installed, beside src/ in the repo). */
export const bundledChartPath = join(packageRoot, 'chart');

/** The image tags the bundled chart installs when none is chosen. */
export function bundledChartDefaults(): {
  serverTag: string;
  prefectTag: string;
  uiTag: string;
  chartVersion: string;
} {
  const chart = parse(readFileSync(`${bundledChartPath}/Chart.yaml`, 'utf8')) as {
    version: string;
    appVersion: string;
  };
  const values = parse(readFileSync(`${bundledChartPath}/values.yaml`, 'utf8')) as {
    serverVersionTag?: string | null;
    prefectVersionTag: string;
    uiVersionTag: string;
  };
  return {
    serverTag: values.serverVersionTag ?? chart.appVersion,
    prefectTag: values.prefectVersionTag,
    uiTag: values.uiVersionTag,
    chartVersion: chart.version,
  };
}

export const chartName = 'prefect-server';
export const preferredRepoName = 'prefecthq';

export interface HelmRepoEntry {
  name: string;
  url: string;
}

/** Repository URLs compare without trailing slashes and with a lower-case scheme and host. */
export function normalizeRepoUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  return trimmed.replace(/^([a-z]+:\/\/[^/]+)/i, (origin) => origin.toLowerCase());
}

/**
 * The name to use for a repository URL: the user's own entry for that URL if there is one, else
 * `prefecthq`, else (that name points elsewhere) `prefecthq-<hash of the URL>`; never an entry
 * of the user's that points at another URL.
 */
export function pickRepoName(
  repos: readonly HelmRepoEntry[],
  repoUrl: string,
): { name: string; exists: boolean } {
  const wanted = normalizeRepoUrl(repoUrl);
  const same = repos.find((r) => normalizeRepoUrl(r.url) === wanted);
  if (same) return { name: same.name, exists: true };
  const taken = new Set(repos.map((r) => r.name));
  if (!taken.has(preferredRepoName)) return { name: preferredRepoName, exists: false };
  const hash = createHash('sha256').update(wanted).digest('hex');
  for (let length = 8; length <= hash.length; length += 4) {
    const name = `${preferredRepoName}-${hash.slice(0, length)}`;
    if (!taken.has(name)) return { name, exists: false };
  }
  throw new UserError(`No free helm repository name for ${repoUrl}.`);
}

/** `helm repo list -o json`; helm versions that fail on an empty list mean no repositories. */
export function parseRepoList(stdout: string): HelmRepoEntry[] {
  if (stdout.trim() === '') return [];
  const parsed = JSON.parse(stdout) as HelmRepoEntry[] | null;
  return Array.isArray(parsed) ? parsed : [];
}

/** Versions of `<repo>/prefect-server` in `helm search repo --versions -o json`, newest first. */
export function parseChartVersions(stdout: string, repoName: string): string[] {
  const entries = (stdout.trim() === '' ? [] : JSON.parse(stdout)) as {
    name: string;
    version: string;
  }[];
  const versions = new Set(
    (entries ?? []).filter((e) => e.name === `${repoName}/${chartName}`).map((e) => e.version),
  );
  return [...versions].sort((a, b) => compareVersions(b, a) || b.localeCompare(a));
}

/** The version in a pulled archive's name, `prefect-server-2022.09.23.tgz` -> `2022.09.23`. */
export function versionOfArchive(fileName: string): string | undefined {
  const prefix = `${chartName}-`;
  if (!fileName.startsWith(prefix) || !fileName.endsWith('.tgz')) return undefined;
  return fileName.slice(prefix.length, -'.tgz'.length);
}

/** helm's report of a good signature: `Signed by:` and `Using Key With Fingerprint:`. */
export function parseVerifiedBy(stdout: string): { signer?: string; fingerprint?: string } {
  const signer = stdout.match(/^Signed by:\s*(.+)$/m)?.[1]?.trim();
  const fingerprint = stdout.match(/^Using Key With Fingerprint:\s*(\S+)/m)?.[1]?.trim();
  return { ...(signer ? { signer } : {}), ...(fingerprint ? { fingerprint } : {}) };
}

/**
 * The repository's name in the user's helm configuration, added if missing and updated
 * (idempotent). With `add: false` a missing repository is not added (name undefined), but it is
 * still read, so a wrong URL or version is caught.
 */
export async function ensureRepo(
  helm: Helm,
  repoUrl: string,
  options: { add: boolean; version?: string | undefined } = { add: true },
): Promise<{ name: string | undefined; added: boolean }> {
  const listed = await helm.run(['repo', 'list', '--output', 'json'], {
    allowFailure: true,
    timeoutMs: 30_000,
  });
  const repos = listed.exitCode === 0 ? parseRepoList(listed.stdout) : [];
  const { name, exists: known } = pickRepoName(repos, repoUrl);
  const unreachable = (result: { stderr: string }) =>
    new UserError(
      `Could not read the chart repository ${repoUrl}: ${helmErrorLine(result.stderr)}`,
      {
        hint: 'Check the URL (it must serve index.yaml) and the network; --chart-source bundled works offline.',
      },
    );
  const run = async (args: string[]) => {
    const result = await helm.run(args, { allowFailure: true, timeoutMs: 120_000 });
    if (result.exitCode !== 0) throw unreachable(result);
  };
  if (known) {
    await run(['repo', 'update', name]);
    return { name, added: false };
  }
  if (options.add) {
    await run(['repo', 'add', name, repoUrl]);
    return { name, added: true };
  }
  const show = ['show', 'chart', chartName, '--repo', repoUrl];
  if (options.version) show.push('--version', options.version);
  await run(show);
  return { name: undefined, added: false };
}

/** Versions of the released chart in a repository, newest first (for the wizard). */
export async function listRepoVersions(helm: Helm, repoUrl: string): Promise<string[]> {
  const name = (await ensureRepo(helm, repoUrl)).name as string;
  const found = await helm.run(
    ['search', 'repo', `${name}/${chartName}`, '--versions', '--output', 'json'],
    { timeoutMs: 30_000 },
  );
  return parseChartVersions(found.stdout, name);
}

export interface PreparedChart {
  /** What helm install/upgrade is given as the chart. */
  chart: string;
  /** The exact version (resolved by the signature check when none was asked for). */
  version: string | undefined;
  verify: { keyring: string } | undefined;
  /** Arguments after the chart (`--repo URL` when the repository was not added). */
  extraArgs: string[];
  /**
   * With --verify: what helm printed when its own `install|upgrade|template --verify` failed,
   * turned into the refusal naming the cause (undefined when the failure is not about the
   * signature). helm checks again after our check passed; see signing/diagnosis.ts.
   */
  explainVerifyFailure?: (stderr: string) => UserError | undefined;
}

export interface PrepareOptions {
  /** A private directory that outlives the helm command (keyrings, the checked archive). */
  workDir: string;
  /** Under --dry-run the user's helm repositories are not added to (an existing one is used). */
  dryRun: boolean;
  out: Output;
  env?: NodeJS.ProcessEnv;
  now?: Date;
  /** What the chart is for: says "Nothing was installed" or "Nothing was changed". */
  verb?: 'install' | 'upgrade';
}

type RepoChart = Extract<InstallPlan['chart'], { source: 'repo' }>;

/** The keyring for --verify: --signing-key's key, --keyring's file, or ours (Prefect's key). */
async function chooseKeyring(
  chart: RepoChart,
  workDir: string,
  env: NodeJS.ProcessEnv,
): Promise<Pick<VerificationContext, 'keyring' | 'keyringLabel' | 'keyringOrigin' | 'keys'>> {
  if (chart.signingKey !== undefined && chart.keyring !== undefined) {
    throw new InputError(
      'Give either --signing-key (a public key) or --keyring (a keyring file), not both.',
    );
  }
  if (chart.signingKey !== undefined) {
    const { keyring, keys } = await temporaryKeyring(chart.signingKey, workDir, env);
    return {
      keyring,
      keyringLabel: `the key of --signing-key ${chart.signingKey}`,
      keyringOrigin: 'signing-key',
      keys,
    };
  }
  const readKeys = (file: string): Promise<PublicKeyInfo[]> =>
    keysOfKeyring(file, env).catch(() => []);
  if (chart.keyring !== undefined) {
    if (!(await exists(chart.keyring)))
      throw new InputError(`--keyring: ${chart.keyring} does not exist.`);
    return {
      keyring: chart.keyring,
      keyringLabel: `the keyring ${chart.keyring}`,
      keyringOrigin: 'keyring-flag',
      keys: await readKeys(chart.keyring),
    };
  }
  const keyring = await ensureOurKeyring(env);
  return {
    keyring,
    keyringLabel: `this CLI's keyring ${keyring} (see prefect-server verify-key)`,
    keyringOrigin: 'ours',
    keys: await readKeys(keyring),
  };
}

/**
 * Gets a chart ready for helm install/upgrade. For a released chart: picks the keyring (bad input
 * is refused before anything else), adds and updates the repository, and with verification
 * downloads the archive and its .prov and checks them, refusing with the cause when they fail.
 * Nothing in the cluster is touched.
 */
export async function prepareChart(
  helm: Helm,
  chart: InstallPlan['chart'],
  options: PrepareOptions,
): Promise<PreparedChart> {
  if (chart.source === 'bundled')
    return { chart: bundledChartPath, version: undefined, verify: undefined, extraArgs: [] };
  const env = options.env ?? process.env;
  // A keyring or a signing key only means something to --verify: giving one asks for it.
  const verify = chart.verify || chart.keyring !== undefined || chart.signingKey !== undefined;
  const keyring = verify ? await chooseKeyring(chart, options.workDir, env) : undefined;

  const spinner = await options.out.spinner(`Reading the chart repository ${chart.repoUrl}`);
  let repo: { name: string | undefined; added: boolean };
  try {
    repo = await ensureRepo(helm, chart.repoUrl, {
      add: !options.dryRun,
      version: chart.version,
    });
  } catch (error) {
    spinner.fail(`Could not read ${chart.repoUrl}`);
    throw error;
  }
  const ref = repo.name ? `${repo.name}/${chartName}` : chartName;
  const extraArgs = repo.name ? [] : ['--repo', chart.repoUrl];
  spinner.succeed(
    repo.name
      ? `Chart repository ${repo.name} (${chart.repoUrl}) ${repo.added ? 'added to helm and read' : 'is up to date'}`
      : `Chart repository ${chart.repoUrl} read (not added to helm's repositories under --dry-run)`,
  );
  if (!keyring) return { chart: ref, version: chart.version, verify: undefined, extraArgs };

  const described = `${chartName} ${chart.version ?? '(newest)'} from ${chart.repoUrl}`;
  const check = await options.out.spinner(
    `Checking the signature of ${described} against ${keyring.keyringLabel}`,
  );
  const pullDir = join(options.workDir, 'verified-chart');
  await mkdir(pullDir, { recursive: true, mode: 0o700 });
  const args = ['pull', ref, ...extraArgs];
  if (chart.version) args.push('--version', chart.version);
  args.push('--verify', '--keyring', keyring.keyring, '--destination', pullDir);
  const verb = options.verb ?? 'install';
  const context = (stage: VerificationContext['stage']): VerificationContext => ({
    chart: described,
    ...keyring,
    helmVersion: helm.version,
    now: options.now ?? new Date(),
    verb,
    stage,
  });
  const pulled = await helm.run(args, { allowFailure: true, timeoutMs: 180_000 });
  if (pulled.exitCode !== 0) {
    const cause = classifyVerificationError(pulled.stderr);
    check.fail('The chart signature check failed');
    if (cause === 'other' && !mentionsSignature(pulled.stderr)) {
      throw new UserError(`helm could not fetch ${described}: ${helmErrorLine(pulled.stderr)}`, {
        hint: 'Check --chart-version against the versions the repository lists (`helm search repo --versions`).',
      });
    }
    throw verificationRefusal(cause, pulled.stderr, context('check'));
  }
  const archive = (await readdir(pullDir)).find((f) => versionOfArchive(f) !== undefined);
  const version = chart.version ?? (archive ? versionOfArchive(archive) : undefined);
  const by = parseVerifiedBy(pulled.stdout);
  check.succeed(
    `Signature verified: ${chartName} ${version ?? ''} signed by ${by.signer ?? 'a key in the keyring'}${by.fingerprint ? ` (key ${by.fingerprint})` : ''}`,
  );
  const explainVerifyFailure = (stderr: string): UserError | undefined => {
    const cause = classifyVerificationError(stderr);
    if (cause === 'other' && !mentionsSignature(stderr)) return undefined;
    return verificationRefusal(cause, stderr, context('helm'));
  };
  return {
    chart: ref,
    version,
    verify: { keyring: keyring.keyring },
    extraArgs,
    explainVerifyFailure,
  };
}
