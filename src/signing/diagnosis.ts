// Why helm refused a chart's signature, from what helm printed. The messages are those helm 3.22
// and helm 4.3 print (see test/unit/signing-diagnosis.test.ts for each, verbatim), e.g.
//   Error: failed to fetch provenance "http://.../prefect-server-2022.09.23.tgz.prov"
//   Error: openpgp: signature made by unknown entity
//   Error: sha256 sum does not match for prefect-server-2022.09.23.tgz: "sha256:..." != "sha256:..."
//   Error: openpgp: key expired
//   Error: failed to decode signature: signature block not found         (helm 4: without the prefix)
//   Error: provenance does not contain a SHA for a file named "prefect-server-1.0.1.tgz"
//   Error: failed to load keyring: openpgp: invalid data: tag byte does not have MSB set
// `helm install --verify` prints the same after `INSTALLATION FAILED: `. The CLI checks with
// `helm pull --verify` first; helm checks again when it installs or upgrades (stage 'helm'
// below), and only a repository or keyring that changed in between makes that fail.
import { ExitCode, UserError } from '../errors.js';
import { formatFingerprint, isExpired, isoDate, type PublicKeyInfo } from './gpg-colons.js';
import { prefectKey } from './prefect-key.js';

export type VerificationCause =
  | 'no-provenance'
  | 'unknown-key'
  | 'digest-mismatch'
  | 'provenance-unreadable'
  | 'provenance-other-file'
  | 'key-expired'
  | 'keyring-missing'
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
  if (text.includes('failed to load keyring'))
    return /failed to load keyring: open .*no such file or directory/.test(text)
      ? 'keyring-missing'
      : 'keyring-unreadable';
  if (
    text.includes('failed to fetch provenance') ||
    text.includes('could not load provenance file') ||
    text.includes('.prov: no such file')
  )
    return 'no-provenance';
  if (text.includes('sha256 sum does not match') || text.includes('digest mismatch'))
    return 'digest-mismatch';
  if (text.includes('provenance does not contain a sha for a file named'))
    return 'provenance-other-file';
  if (
    text.includes('signature block not found') ||
    text.includes('message block must have at least two parts') ||
    text.includes('failed to decode signature')
  )
    return 'provenance-unreadable';
  if (text.includes('key expired') || text.includes('key has expired')) return 'key-expired';
  if (
    text.includes('signature made by unknown entity') ||
    text.includes('unknown entity') ||
    text.includes('no key found')
  )
    return 'unknown-key';
  return 'other';
}

/**
 * Whether helm's error is about signatures at all, when no known cause matched: then the generic
 * refusal (quoting helm) is right; otherwise it is some other failure (a version not found).
 */
export function mentionsSignature(stderr: string): boolean {
  return /openpgp|provenance|signature|keyring|\.prov\b/i.test(stderr);
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
  /** What the chart was for (default install): "Nothing was installed" or "... changed". */
  verb?: 'install' | 'upgrade';
  /**
   * Which check refused: the CLI's own `helm pull --verify` before anything ('check', the
   * default), or helm's own during `helm install|upgrade --verify` ('helm'), after ours passed.
   */
  stage?: 'check' | 'helm';
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
  const verb = ctx.verb ?? 'install';
  const nothing = verb === 'upgrade' ? 'Nothing was changed.' : 'Nothing was installed.';
  const helm4 = /^v?4\./.test(ctx.helmVersion);
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
    case 'provenance-unreadable':
      message = `The provenance file (.prov) of ${ctx.chart} holds no signature helm can read (no PGP signed block): it is not a provenance file, or it was cut short. ${nothing}`;
      hint =
        'A repository or proxy that answers a missing file with an error page does this. Ask the repository owner to publish the real .prov beside the .tgz (helm package --sign), or install without --verify.';
      break;
    case 'provenance-other-file':
      message = `The provenance file (.prov) of ${ctx.chart} was made for an archive of another name, so it says nothing about this one. ${nothing}`;
      hint =
        'helm matches the .prov to the archive by file name: an archive renamed after signing (another version number) is refused. Ask the repository owner to re-sign the archive under its published name (helm package --sign).';
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
    case 'keyring-missing':
      message = `helm could not open ${ctx.keyringLabel}: the file is not there, so the signature of ${ctx.chart} was not checked. ${nothing}`;
      hint =
        ctx.keyringOrigin === 'ours'
          ? 'Make it again with `prefect-server verify-key`, then run the same command again.'
          : 'Check the path, then run the same command again (or pass the public key itself with --signing-key FILE).';
      break;
    case 'keyring-unreadable':
      message = `helm could not read ${ctx.keyringLabel}, so the signature of ${ctx.chart} was not checked. ${nothing}`;
      hint = helm4
        ? `helm ${ctx.helmVersion} reads binary keyrings (gpg --export), GnuPG 2 keybox files (pubring.kbx) and ASCII-armored keys; this file is none of them. Make one with \`gpg --export KEY-ID > keyring.gpg\`, or pass the public key itself with --signing-key FILE.`
        : `helm ${ctx.helmVersion} reads only binary keyrings in the legacy format: not GnuPG 2 keybox files (pubring.kbx, what gpg writes today), not ASCII armor. Make one with \`gpg --export KEY-ID > keyring.gpg\`, or pass the public key itself with --signing-key FILE.`;
      break;
    default:
      message = `The signature check of ${ctx.chart} failed for a reason this CLI does not know; helm's own words are below. ${nothing}`;
      hint = 'Run again with --debug to see the helm command, and run it by hand for details.';
  }
  if (ctx.stage === 'helm') {
    // helm's own check failed where the CLI's had just passed on the same chart and keyring:
    // something changed in between, and the user should know the first check is not wrong.
    message = `helm ${verb} --verify refused the chart although the signature check just before it had passed: what helm fetched or read this time is not what was checked (the repository or the keyring changed in between). ${message}`;
    hint = `${hint} Then run the same command again: the check before helm names the cause if it persists.`;
  }
  // A keyring file the user named that helm cannot read is their input; the rest is the chart's.
  const exitCode =
    (cause === 'keyring-unreadable' || cause === 'keyring-missing') &&
    ctx.keyringOrigin === 'keyring-flag'
      ? ExitCode.badInput
      : ExitCode.failure;
  return new UserError(message + helmSaid, { hint, exitCode });
}
