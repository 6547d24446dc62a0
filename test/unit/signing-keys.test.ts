// Pure parts of key handling: gpg's colon listing, fingerprints and dates, strict base64, the
// bundled key against its pins, where the keyrings live, and the words about an expired key.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  formatFingerprint,
  isExpired,
  isoDate,
  parseColonDate,
  parseColonKeys,
} from '../../src/signing/gpg-colons.js';
import { defaultHelmKeyring, keyringPaths } from '../../src/signing/keyring.js';
import {
  bundledKeyPath,
  decodeStrictBase64,
  prefectKey,
  sha256,
} from '../../src/signing/prefect-key.js';
import { expiredKeyConsequence } from '../../src/signing/verify-key.js';

// `gpg --with-colons --import-options show-only --import` of the bundled key (GnuPG 2.2.40).
const prefectListing = `pub:e:3072:1:559390547D1AF7BB:1615310221:1678382221::-:::sc::::::23::0:
fpr:::::::::34EA382B07D6DFEC05C09B57559390547D1AF7BB:
uid:e::::1615310221::6828EE9FDDC5302E3D58F1B6B8E9310EFFF2AEC9::Michael Adkins <michael@prefect.io>::::::::::0:
sub:e:3072:1:5B580198D77C0A2A:1615310221:1678382221:::::e::::::23:
fpr:::::::::CA595842DF8F2622CB52D9225B580198D77C0A2A:
`;

describe('gpg --with-colons', () => {
  it('reads the Prefect key: fingerprint, uid, dates, subkey', () => {
    const [key, ...rest] = parseColonKeys(prefectListing);
    expect(rest).toEqual([]);
    expect(key).toMatchObject({
      fingerprint: prefectKey.fingerprint,
      keyId: '559390547D1AF7BB',
      validity: 'e',
      algorithm: 'RSA',
      bits: 3072,
      uids: [prefectKey.uid],
      subkeys: [
        {
          keyId: '5B580198D77C0A2A',
          fingerprint: 'CA595842DF8F2622CB52D9225B580198D77C0A2A',
          usage: 'e',
        },
      ],
    });
    expect(isoDate(key?.created as Date)).toBe(prefectKey.created);
    expect(isoDate(key?.expires as Date)).toBe(prefectKey.expires);
    expect(isExpired(key as never, new Date('2023-03-08T00:00:00Z'))).toBe(false);
    expect(isExpired(key as never, new Date('2023-03-10T00:00:00Z'))).toBe(true);
  });

  it('reads several keys, a key that never expires, and escaped colons in a uid', () => {
    const listing = `tru::1:1795461339:0:3:1:5
pub:-:2048:1:4D5D6BE3D0607806:1795461339:::-:::scSC::::::23::0:
fpr:::::::::7A6AC76D038E48860F7EB9B34D5D6BE3D0607806:
uid:-::::1795461339::2B91::Team\\x3a Charts <charts@example.test>::::::::::0:
${prefectListing}`;
    const keys = parseColonKeys(listing);
    expect(keys.map((k) => k.fingerprint)).toEqual([
      '7A6AC76D038E48860F7EB9B34D5D6BE3D0607806',
      prefectKey.fingerprint,
    ]);
    expect(keys[0]?.uids).toEqual(['Team: Charts <charts@example.test>']);
    expect(keys[0]?.expires).toBeUndefined();
    expect(isExpired(keys[0] as never, new Date('2100-01-01'))).toBe(false);
  });

  it('reads nothing from output without keys', () => {
    expect(parseColonKeys('')).toEqual([]);
    expect(parseColonKeys('gpg: no valid OpenPGP data found.\n')).toEqual([]);
  });

  it('parses epoch and ISO 8601 dates', () => {
    expect(parseColonDate('1678382221')?.toISOString()).toBe('2023-03-09T17:17:01.000Z');
    expect(parseColonDate('20230309T171701')?.toISOString()).toBe('2023-03-09T17:17:01.000Z');
    expect(parseColonDate('')).toBeUndefined();
  });

  it('groups a fingerprint as gpg prints it', () => {
    expect(formatFingerprint(prefectKey.fingerprint)).toBe(
      '34EA 382B 07D6 DFEC 05C0  9B57 5593 9054 7D1A F7BB',
    );
  });
});

describe('the bundled key', () => {
  it('is the base64 text of the manual, decoding to the pinned bytes', () => {
    const text = readFileSync(bundledKeyPath, 'utf8');
    const bytes = decodeStrictBase64(text);
    expect(bytes?.length).toBe(1755);
    expect(sha256(bytes as Buffer)).toBe(prefectKey.sha256);
  });

  it('strict base64 refuses what Buffer.from would quietly accept', () => {
    expect(decodeStrictBase64('aGVsbG8=')?.toString()).toBe('hello');
    expect(decodeStrictBase64('aGVs\nbG8=\n')?.toString()).toBe('hello');
    expect(decodeStrictBase64('aGVs*bG8=')).toBeUndefined();
    expect(decodeStrictBase64('aGVsbG8')).toBeUndefined();
    expect(decodeStrictBase64('aGVsbG9=')).toBeUndefined(); // non-canonical padding bits
    expect(decodeStrictBase64('')).toBeUndefined();
  });
});

describe('where the keyrings are', () => {
  it('ours under the config directory, helm’s default where helm looks', () => {
    expect(keyringPaths({ HOME: '/home/u' })).toEqual({
      configDir: '/home/u/.config/prefect-server',
      gnupgHome: '/home/u/.config/prefect-server/gnupg',
      helmKeyring: '/home/u/.config/prefect-server/helm-keyring.gpg',
    });
    expect(keyringPaths({ HOME: '/home/u', XDG_CONFIG_HOME: '/cfg' }).helmKeyring).toBe(
      '/cfg/prefect-server/helm-keyring.gpg',
    );
    // A relative XDG_CONFIG_HOME is invalid by the spec and ignored.
    expect(keyringPaths({ HOME: '/home/u', XDG_CONFIG_HOME: 'cfg' }).configDir).toBe(
      '/home/u/.config/prefect-server',
    );
    expect(defaultHelmKeyring({ HOME: '/home/u' })).toBe('/home/u/.gnupg/pubring.gpg');
    expect(defaultHelmKeyring({ HOME: '/home/u', GNUPGHOME: '/g' })).toBe('/g/pubring.gpg');
  });
});

describe('what an expired key means for --verify', () => {
  it('names the installed helm when it is one that was tested', () => {
    expect(expiredKeyConsequence('v3.22.0')).toMatch(
      /^The installed helm v3\.22\.0 refuses every chart signature checked against an expired key, even a signature made while the key was still valid \(it fails with "openpgp: key expired"\)\.$/,
    );
    expect(expiredKeyConsequence('v4.3.1')).toMatch(/^The installed helm v4\.3\.1 refuses/);
    expect(expiredKeyConsequence('v5.0.0')).toMatch(
      /^helm 3\.22 and helm 4\.3 both refuse .*; the installed helm v5\.0\.0 was not tested\.$/,
    );
    expect(expiredKeyConsequence(undefined)).toMatch(/^helm was not found here; helm 3\.22/);
  });
});
