// Why helm refused a signature, from what helm printed. The stderr below is verbatim from helm
// v3.22.0 and v4.3.1 (both print exactly the same), pulled with --verify from a repository on
// 127.0.0.1 and from local files (`helm verify`).
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import {
  classifyVerificationError,
  helmErrorLine,
  mentionsSignature,
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

// From `helm install r DIR/prefect-server-1.0.0.tgz --verify --keyring K --dry-run=server` against
// the test cluster, helm v3.22.0 and v4.3.1 (identical unless the name says which), with: an
// expired signing key; a .prov that is an HTML error page; an archive renamed to 1.0.1 after
// signing; a keyring file of junk; an empty keyring. `helm upgrade --install` of a release that
// does not exist prints the same without `INSTALLATION FAILED: `.
const observedAtInstall = {
  expired: 'Error: INSTALLATION FAILED: openpgp: key expired\n',
  tampered:
    'Error: INSTALLATION FAILED: sha256 sum does not match for prefect-server-1.0.0.tgz: "sha256:9cc3d1e19e7d112b9ca027efa45fb844785798d122359b5b6b67445c3a355355" != "sha256:f82afa2709fcdaa9f5c03b615c3049e80efee16f1674a04ad1298b9e2aa04a5d"\n',
  garbageProvHelm3:
    'Error: INSTALLATION FAILED: failed to decode signature: signature block not found\n',
  garbageProvHelm4: 'Error: INSTALLATION FAILED: signature block not found\n',
  renamed:
    'Error: INSTALLATION FAILED: provenance does not contain a SHA for a file named "prefect-server-1.0.1.tgz"\n',
  junkKeyring:
    'Error: INSTALLATION FAILED: failed to load keyring: openpgp: invalid data: tag byte does not have MSB set\n',
  emptyKeyring: 'Error: INSTALLATION FAILED: openpgp: signature made by unknown entity\n',
  missingKeyring:
    'Error: INSTALLATION FAILED: failed to load keyring: open missing.gpg: no such file or directory\n',
  // `helm upgrade --dry-run=server --verify` of an existing release after the repository
  // replaced the archive (test/e2e/signed-chart.test.ts, helm v4.3.1).
  upgradeTampered:
    'Error: sha256 sum does not match for prefect-server-2022.09.23.tgz: "sha256:7bcad0fba2da78eca1a027e6aaa627a22d0a79c28c068df6a76d2f17183036a3" != "sha256:8c92fe5012c2ec098d9cb9ce6941d3d65cbaff6153424c74c41e6c9a90a1f679"\n',
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
    ['missingKeyring', 'keyring-missing'],
    ['notFound', 'other'],
  ] as [keyof typeof observed, string][])('%s -> %s', (name, cause) => {
    expect(classifyVerificationError(observed[name])).toBe(cause);
  });

  it.each([
    ['expired', 'key-expired'],
    ['tampered', 'digest-mismatch'],
    ['garbageProvHelm3', 'provenance-unreadable'],
    ['garbageProvHelm4', 'provenance-unreadable'],
    ['renamed', 'provenance-other-file'],
    ['junkKeyring', 'keyring-unreadable'],
    ['emptyKeyring', 'unknown-key'],
    ['missingKeyring', 'keyring-missing'],
    ['upgradeTampered', 'digest-mismatch'],
  ] as [keyof typeof observedAtInstall, string][])('at install: %s -> %s', (name, cause) => {
    expect(classifyVerificationError(observedAtInstall[name])).toBe(cause);
  });

  it('tells a signature failure it does not know from other failures', () => {
    expect(mentionsSignature('Error: openpgp: some new complaint\n')).toBe(true);
    expect(mentionsSignature(observed.notFound)).toBe(false);
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

  it('a .prov without a signature, a .prov of another file, a missing keyring: named, with the fix', () => {
    const garbage = verificationRefusal(
      'provenance-unreadable',
      observedAtInstall.garbageProvHelm3,
      context(),
    );
    expect(garbage.message).toMatch(/holds no signature helm can read/);
    expect(garbage.hint).toMatch(/error page/);
    const renamed = verificationRefusal(
      'provenance-other-file',
      observedAtInstall.renamed,
      context(),
    );
    expect(renamed.message).toMatch(/was made for an archive of another name/);
    expect(renamed.hint).toMatch(/renamed after signing/);
    const missing = verificationRefusal(
      'keyring-missing',
      observedAtInstall.missingKeyring,
      context(),
    );
    expect(missing.message).toMatch(/could not open this CLI's keyring .*: the file is not there/);
    expect(missing.hint).toMatch(/prefect-server verify-key/);
    expect(
      verificationRefusal(
        'keyring-missing',
        observedAtInstall.missingKeyring,
        context({ keyringOrigin: 'keyring-flag' }),
      ).exitCode,
    ).toBe(ExitCode.badInput);
  });

  it('an unreadable keyring: the formats that helm version reads', () => {
    const three = verificationRefusal('keyring-unreadable', observed.keybox, context());
    expect(three.hint).toMatch(/helm v3\.22\.0 reads only binary keyrings in the legacy format/);
    const four = verificationRefusal(
      'keyring-unreadable',
      observedAtInstall.junkKeyring,
      context({ helmVersion: 'v4.3.1' }),
    );
    expect(four.hint).toMatch(
      /helm v4\.3\.1 reads binary keyrings .* keybox files .* ASCII-armored/,
    );
  });

  it('helm’s own check after ours passed: says so, the cause, and "Nothing was changed" for upgrade', () => {
    const install = verificationRefusal(
      'digest-mismatch',
      observedAtInstall.tampered,
      context({ stage: 'helm' }),
    );
    expect(install.message).toMatch(
      /^helm install --verify refused the chart although the signature check just before it had passed: .*\(the repository or the keyring changed in between\)\. Chart archive .* \(digest mismatch\).* Nothing was installed\.\nhelm said: INSTALLATION FAILED: sha256 sum does not match/,
    );
    expect(install.hint).toMatch(/Then run the same command again/);
    const upgrade = verificationRefusal(
      'key-expired',
      observedAtInstall.expired,
      context({ stage: 'helm', verb: 'upgrade' }),
    );
    expect(upgrade.message).toMatch(/^helm upgrade --verify refused the chart/);
    expect(upgrade.message).toMatch(/Nothing was changed\.\nhelm said: /);
  });

  it('a signature failure of no known kind: an honest generic message quoting helm', () => {
    const error = verificationRefusal(
      'other',
      'Error: INSTALLATION FAILED: openpgp: some new complaint\n',
      context(),
    );
    expect(error.message).toMatch(/failed for a reason this CLI does not know/);
    expect(error.message).toMatch(/\nhelm said: INSTALLATION FAILED: openpgp: some new complaint$/);
  });

  it('each cause has its own first sentence', () => {
    const causes = [
      'no-provenance',
      'unknown-key',
      'digest-mismatch',
      'provenance-unreadable',
      'provenance-other-file',
      'key-expired',
      'keyring-missing',
      'keyring-unreadable',
      'other',
    ] as const;
    const firsts = causes.map((c) => verificationRefusal(c, '', context()).message.split('\n')[0]);
    expect(new Set(firsts).size).toBe(causes.length);
    for (const first of firsts) expect(first).toMatch(/Nothing was installed\.$/);
  });
});
