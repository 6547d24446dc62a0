// Why helm refused a chart's signature, from what helm printed. The messages are those helm 3.22
// and helm 4.3 print (identical in both; see test/unit/signing-diagnosis.test.ts), e.g.
//   Error: failed to fetch provenance "http://.../prefect-server-2022.09.23.tgz.prov"
//   Error: openpgp: signature made by unknown entity
//   Error: sha256 sum does not match for prefect-server-2022.09.23.tgz: "sha256:..." != "sha256:..."
//   Error: openpgp: key expired
import { ExitCode, UserError } from '../errors.js';
import { formatFingerprint, isExpired, isoDate, type PublicKeyInfo } from './gpg-colons.js';
import { prefectKey } from './prefect-key.js';

export type VerificationCause =
  | 'no-provenance'
  | 'unknown-key'
  | 'digest-mismatch'
  | 'key-expired'
  | 'keyring-unreadable'
  | 'other';

/** The last `Error: ...` line helm wrote, or its last line. */
export function helmErrorLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const error = [...lines].reverse().find((l) => /^Error:/i.test(l));
  return (error ?? lines.at(-1) ?? '').replace(/^Error:\s*/i, '');
}

export function classifyVerificationError(stderr: string): VerificationCause {
  const text = stderr.toLowerCase();
  if (text.includes('failed to load keyring')) return 'keyring-unreadable';
  if (
    text.includes('failed to fetch provenance') ||
    text.includes('could not load provenance file') ||
    text.includes('.prov: no such file')
  )
    return 'no-provenance';
  if (text.includes('sha256 sum does not match') || text.includes('digest mismatch'))
    return 'digest-mismatch';
  if (text.includes('key expired') || text.includes('key has expired')) return 'key-expired';
  if (
    text.includes('signature made by unknown entity') ||
    text.includes('unknown entity') ||
    text.includes('no key found')
  )
    return 'unknown-key';
  return 'other';
}

export interface VerificationContext {
  /** e.g. `prefect-server 2022.09.23 from https://prefecthq.github.io/server/` */
  chart: string;
  /** The keyring handed to helm, how it reads in a sentence, and how it was chosen. */
  keyring: string;
  keyringLabel: string;
  keyringOrigin: 'ours' | 'signing-key' | 'keyring-flag';
  /** The keys in that keyring, when they could be read. */
  keys: PublicKeyInfo[];
  /** e.g. `v3.22.0` */
  helmVersion: string;
  now: Date;
}

function describeKey(key: PublicKeyInfo): string {
  const expiry = key.expires ? `, expires ${isoDate(key.expires)}` : '';
  return `${formatFingerprint(key.fingerprint)} ${key.uids[0] ?? '(no user id)'}${expiry}`;
}

/** What the refusal says, and what to do about it; exit 1 (the chart, not the user's input). */
export function verificationRefusal(
  cause: VerificationCause,
  stderr: string,
  ctx: VerificationContext,
): UserError {
  const helmSaid = `\nhelm said: ${helmErrorLine(stderr)}`;
  const nothing = 'Nothing was installed.';
  const keyList =
    ctx.keys.length > 0 ? ctx.keys.map(describeKey).join('; ') : 'none that gpg can read';
  let message: string;
  let hint: string;
  switch (cause) {
    case 'no-provenance':
      message = `Chart ${ctx.chart} has no provenance (.prov) file, so its signature cannot be checked. ${nothing}`;
      hint =
        'Only signed charts can be verified. Ask the repository owner to publish the .prov file beside the .tgz (helm package --sign), pick a signed version with --chart-version, or install without --verify.';
      break;
    case 'unknown-key':
      message = `Chart ${ctx.chart} is signed by another key, one that is not in ${ctx.keyringLabel}. ${nothing}`;
      hint =
        ctx.keyringOrigin === 'ours'
          ? 'Find out who signed it before trusting it. If your organisation mirrors and re-signs the charts, pass its public key with --signing-key FILE (or a legacy keyring with --keyring FILE).'
          : `Find out who signed it before trusting it; the keyring holds: ${keyList}.`;
      break;
    case 'digest-mismatch':
      message = `Chart archive ${ctx.chart} does not match its signature (digest mismatch): it was changed after it was signed (tampered with, or damaged). ${nothing}`;
      hint =
        'Do not install it. Tell the repository owner; if you run a mirror, copy the .tgz and its .prov again from the original repository.';
      break;
    case 'key-expired': {
      const expired = ctx.keys.filter((k) => isExpired(k, ctx.now));
      const which = expired.length > 0 ? expired.map(describeKey).join('; ') : 'see the keyring';
      const prefect = expired.some((k) => k.fingerprint === prefectKey.fingerprint);
      message = `Chart ${ctx.chart} is signed with an expired key (${which}); helm ${ctx.helmVersion} refuses any signature checked against an expired key, even one made while the key was valid. ${nothing}`;
      hint = prefect
        ? `Prefect's key expired on ${prefectKey.expires} and was never renewed, so --verify cannot succeed for Prefect's released charts. Install without --verify (the chart still comes over HTTPS), or mirror the charts, re-sign them with a key of your own (helm package --sign) and verify with --signing-key FILE.`
        : 'Ask the key owner for the key with a renewed expiry date and import it again, or re-sign the charts with a valid key.';
      break;
    }
    case 'keyring-unreadable':
      message = `helm could not read ${ctx.keyringLabel}, so the signature of ${ctx.chart} was not checked. ${nothing}`;
      hint =
        'helm needs a binary keyring in the legacy format (helm 3 reads neither GnuPG 2 keybox files nor ASCII armor). Make one with `gpg --export KEY-ID > keyring.gpg`, or pass the public key itself with --signing-key FILE.';
      break;
    default:
      message = `The signature check of ${ctx.chart} failed. ${nothing}`;
      hint = 'Run again with --debug to see the helm command, and run it by hand for details.';
  }
  // A keyring file the user named that helm cannot read is their input; the rest is the chart's.
  const exitCode =
    cause === 'keyring-unreadable' && ctx.keyringOrigin === 'keyring-flag'
      ? ExitCode.badInput
      : ExitCode.failure;
  return new UserError(message + helmSaid, { hint, exitCode });
}
