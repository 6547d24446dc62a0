// `prefect-server verify-key`: import the key into our own keyring, export helm's legacy keyring,
// and say plainly what state the key is in and what that means for `--verify`.
import { Helm } from '../tools/helm.js';
import { colors, type Output } from '../ui/output.js';
import { formatFingerprint, isExpired, isoDate, type PublicKeyInfo } from './gpg-colons.js';
import { exportToDefaultKeyring, importPrefectKey, importSigningKey } from './keyring.js';
import { prefectKey } from './prefect-key.js';

export interface VerifyKeyOptions {
  signingKey: string | undefined;
  exportToDefaultKeyring: boolean;
}

/** The helm releases whose handling of an expired key was tested (see the README). */
const observedHelm = 'helm 3.22 and helm 4.3';

/** What an expired key means for `--verify`, for the helm that is installed. */
export function expiredKeyConsequence(helmVersion: string | undefined): string {
  const major = Number(helmVersion?.match(/^v(\d+)\./)?.[1] ?? Number.NaN);
  const refuses =
    'refuses every chart signature checked against an expired key, even a signature made while the key was still valid (it fails with "openpgp: key expired")';
  if (helmVersion === undefined)
    return `helm was not found here; ${observedHelm} ${refuses.replace('refuses', 'both refuse')}.`;
  if (major === 3 || major === 4) return `The installed helm ${helmVersion} ${refuses}.`;
  return `${observedHelm} ${refuses.replace('refuses', 'both refuse')}; the installed helm ${helmVersion} was not tested.`;
}

function daysBetween(a: Date, b: Date): number {
  return Math.floor((b.getTime() - a.getTime()) / 86_400_000);
}

function describe(out: Output, key: PublicKeyInfo, now: Date, pinned: boolean): void {
  const expired = isExpired(key, now);
  const field = (name: string, value: string) => out.line(`  ${name.padEnd(12)} ${value}`);
  field('uid', key.uids.join(', ') || '(none)');
  field(
    'fingerprint',
    `${formatFingerprint(key.fingerprint)}${pinned ? ' (the fingerprint pinned in this CLI)' : ''}`,
  );
  field('key', `${key.algorithm} ${key.bits}, id ${key.keyId}`);
  field('created', key.created ? isoDate(key.created) : 'unknown');
  if (key.expires === undefined) field('expires', 'never');
  else if (expired)
    field(
      'expires',
      colors.red(`${isoDate(key.expires)}: EXPIRED ${daysBetween(key.expires, now)} days ago`),
    );
  else field('expires', `${isoDate(key.expires)} (in ${daysBetween(now, key.expires)} days)`);
}

export async function runVerifyKey(
  options: VerifyKeyOptions,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
  now: Date = new Date(),
): Promise<void> {
  const imported = options.signingKey
    ? await importSigningKey(options.signingKey, env)
    : await importPrefectKey(env);
  const { paths } = imported;
  out.line(
    options.signingKey
      ? `Imported the key${imported.keys.length > 1 ? 's' : ''} of ${options.signingKey} into ${paths.gnupgHome}`
      : `Imported Prefect's chart-signing key into ${paths.gnupgHome}`,
  );
  for (const key of imported.keys) {
    describe(out, key, now, key.fingerprint === prefectKey.fingerprint);
    out.line();
  }
  out.line(`Keyring for helm (legacy format): ${paths.helmKeyring}`);
  out.line(
    `  used by: prefect-server install --verify   (or helm --verify --keyring ${paths.helmKeyring})`,
  );
  if (options.signingKey)
    out.line(
      colors.dim(
        '  Compare the fingerprint above with the one your organisation publishes before trusting it.',
      ),
    );

  const expired = imported.keys.filter((k) => isExpired(k, now));
  if (expired.length > 0) {
    const helmVersion = await Helm.create({}, env).then(
      (h) => h.version,
      () => undefined,
    );
    out.line();
    for (const key of expired) {
      const name =
        key.fingerprint === prefectKey.fingerprint ? "Prefect's signing key" : `Key ${key.keyId}`;
      out.line(
        `${colors.yellow('!')} ${name} expired on ${isoDate(key.expires as Date)}; it was never renewed.`,
      );
    }
    out.line(`  What this means for --verify: ${expiredKeyConsequence(helmVersion)}`);
    out.line(
      expired.some((k) => k.fingerprint === prefectKey.fingerprint)
        ? `  So \`install --verify\` cannot succeed for Prefect's released charts (signed with this key until ${prefectKey.expires}). Install them without --verify (they still come over HTTPS), or mirror the charts, re-sign them with a key of your own, and pass --signing-key FILE.`
        : '  Ask the key owner for the key with a renewed expiry date and import it again.',
    );
  }

  if (options.exportToDefaultKeyring) {
    const written = await exportToDefaultKeyring(env, now);
    out.line();
    if (written.backup) out.line(`Backed up the existing ${written.path} to ${written.backup}`);
    out.line(
      `Wrote ${written.path} (the keyring helm uses without --keyring)${written.mergedExisting ? ', keeping the keys it already held' : ''}.`,
    );
  }
}
