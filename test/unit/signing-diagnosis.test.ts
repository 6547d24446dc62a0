// Why helm refused a signature, from what helm printed. The stderr below is verbatim from helm
// v3.22.0 and v4.3.1 (both print exactly the same), pulled with --verify from a repository on
// 127.0.0.1 and from local files (`helm verify`).
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import {
  classifyVerificationError,
  helmErrorLine,
  type VerificationContext,
  verificationRefusal,
} from '../../src/signing/diagnosis.js';
import { parseColonKeys } from '../../src/signing/gpg-colons.js';

const observed = {
  noProvRepo:
    'Error: failed to fetch provenance "http://127.0.0.1:18931/noprov/prefect-server-2022.09.23.tgz.prov"\n',
  noProvFile:
    'Error: could not load provenance file noprov/prefect-server-0.1.0.tgz.prov: stat noprov/prefect-server-0.1.0.tgz.prov: no such file or directory\n',
  otherKey: 'Error: openpgp: signature made by unknown entity\n',
  tampered:
    'Error: sha256 sum does not match for prefect-server-2022.09.23.tgz: "sha256:f82d5f2addd49da2e8356e25634d7034b6a44d19785073e508d9554a70e6b540" != "sha256:c28468ae7328e9c66f97e3e216370bd674f2cbb416dc39e366f789167aa2a647"\n',
  expired: 'Error: openpgp: key expired\n',
  keybox: 'Error: failed to load keyring: openpgp: invalid data: tag byte does not have MSB set\n',
  missingKeyring:
    'Error: failed to load keyring: open /nonexistent/pubring.gpg: no such file or directory\n',
  notFound:
    'Error: chart "prefect-server" version "1.2.3" not found in http://127.0.0.1:18931/good/ repository\n',
};

const prefect =
  parseColonKeys(`pub:e:3072:1:559390547D1AF7BB:1615310221:1678382221::-:::sc::::::23::0:
fpr:::::::::34EA382B07D6DFEC05C09B57559390547D1AF7BB:
uid:e::::1615310221::6828::Michael Adkins <michael@prefect.io>::::::::::0:
`);

function context(overrides: Partial<VerificationContext> = {}): VerificationContext {
  return {
    chart: 'prefect-server 2022.09.23 from https://prefecthq.github.io/server/',
    keyring: '/home/u/.config/prefect-server/helm-keyring.gpg',
    keyringLabel: "this CLI's keyring /home/u/.config/prefect-server/helm-keyring.gpg",
    keyringOrigin: 'ours',
    keys: prefect,
    helmVersion: 'v3.22.0',
    now: new Date('2026-11-23T00:00:00Z'),
    ...overrides,
  };
}

describe('classifyVerificationError', () => {
  it.each([
    ['noProvRepo', 'no-provenance'],
    ['noProvFile', 'no-provenance'],
    ['otherKey', 'unknown-key'],
    ['tampered', 'digest-mismatch'],
    ['expired', 'key-expired'],
    ['keybox', 'keyring-unreadable'],
    ['missingKeyring', 'keyring-unreadable'],
    ['notFound', 'other'],
  ] as [keyof typeof observed, string][])('%s -> %s', (name, cause) => {
    expect(classifyVerificationError(observed[name])).toBe(cause);
  });

  it('takes helm’s last Error line', () => {
    expect(helmErrorLine(`WARNING: something\n${observed.expired}`)).toBe('openpgp: key expired');
    expect(helmErrorLine('plain failure\n')).toBe('plain failure');
  });
});

describe('verificationRefusal', () => {
  it('no .prov: says so, and what to do', () => {
    const error = verificationRefusal('no-provenance', observed.noProvRepo, context());
    expect(error.exitCode).toBe(ExitCode.failure);
    expect(error.message).toBe(
      `Chart prefect-server 2022.09.23 from https://prefecthq.github.io/server/ has no provenance (.prov) file, so its signature cannot be checked. Nothing was installed.\nhelm said: failed to fetch provenance "http://127.0.0.1:18931/noprov/prefect-server-2022.09.23.tgz.prov"`,
    );
    expect(error.hint).toMatch(/publish the \.prov file .* or install without --verify/);
  });

  it('another key: points at --signing-key when our own keyring was used', () => {
    const ours = verificationRefusal('unknown-key', observed.otherKey, context());
    expect(ours.message).toMatch(/is signed by another key, one that is not in this CLI's keyring/);
    expect(ours.hint).toMatch(/--signing-key FILE/);
    const theirs = verificationRefusal(
      'unknown-key',
      observed.otherKey,
      context({ keyringOrigin: 'signing-key', keyringLabel: 'the key of --signing-key k.asc' }),
    );
    expect(theirs.message).toMatch(/not in the key of --signing-key k\.asc/);
    expect(theirs.hint).toMatch(
      /the keyring holds: 34EA 382B .* Michael Adkins <michael@prefect\.io>, expires 2023-03-09/,
    );
  });

  it('digest mismatch: the archive changed after signing', () => {
    const error = verificationRefusal('digest-mismatch', observed.tampered, context());
    expect(error.message).toMatch(
      /does not match its signature \(digest mismatch\): it was changed after it was signed/,
    );
    expect(error.hint).toMatch(/^Do not install it/);
  });

  it('expired key: names the key, the helm, and for Prefect’s key says --verify cannot succeed', () => {
    const error = verificationRefusal('key-expired', observed.expired, context());
    expect(error.message).toMatch(
      /is signed with an expired key \(34EA 382B 07D6 DFEC 05C0 {2}9B57 5593 9054 7D1A F7BB Michael Adkins <michael@prefect\.io>, expires 2023-03-09\); helm v3\.22\.0 refuses any signature checked against an expired key, even one made while the key was valid\./,
    );
    expect(error.hint).toMatch(/Prefect's key expired on 2023-03-09 .* --verify cannot succeed/);
  });

  it('an unreadable keyring is bad input when the user named it (exit 2)', () => {
    const named = verificationRefusal(
      'keyring-unreadable',
      observed.keybox,
      context({ keyringOrigin: 'keyring-flag', keyringLabel: 'the keyring ~/.gnupg/pubring.kbx' }),
    );
    expect(named.exitCode).toBe(ExitCode.badInput);
    expect(named.hint).toMatch(/legacy format/);
    expect(verificationRefusal('keyring-unreadable', observed.keybox, context()).exitCode).toBe(
      ExitCode.failure,
    );
  });

  it('each cause has its own first sentence', () => {
    const causes = ['no-provenance', 'unknown-key', 'digest-mismatch', 'key-expired'] as const;
    const firsts = causes.map((c) => verificationRefusal(c, '', context()).message.split('\n')[0]);
    expect(new Set(firsts).size).toBe(causes.length);
    for (const first of firsts) expect(first).toMatch(/Nothing was installed\.$/);
  });
});
