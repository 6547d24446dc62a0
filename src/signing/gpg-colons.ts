// gpg's machine-readable listing (`--with-colons`, doc/DETAILS in GnuPG) -> the keys it lists.
// Only the records we show or check are read: pub, sub, fpr and uid.

export interface PublicKeyInfo {
  fingerprint: string;
  keyId: string;
  /** Validity as gpg computed it: 'e' expired, 'r' revoked, 'i' invalid, '-' unknown, ... */
  validity: string;
  algorithm: string;
  bits: number;
  created: Date | undefined;
  /** undefined: the key never expires */
  expires: Date | undefined;
  uids: string[];
  subkeys: { keyId: string; fingerprint: string; expires: Date | undefined; usage: string }[];
}

/** gpg writes dates as seconds since the epoch, or ISO 8601 (`20210309T170701`) with some options. */
export function parseColonDate(field: string | undefined): Date | undefined {
  if (field === undefined || field === '') return undefined;
  if (/^\d+$/.test(field)) return new Date(Number(field) * 1000);
  const iso = field.match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/);
  if (iso) {
    const [, y, mo, d, h, mi, s] = iso;
    return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  }
  return undefined;
}

/** Fields are C-escaped (`\x3a` for a colon inside a uid). */
function unescapeField(field: string): string {
  return field.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

const algorithms: Record<string, string> = {
  '1': 'RSA',
  '2': 'RSA',
  '3': 'RSA',
  '16': 'Elgamal',
  '17': 'DSA',
  '18': 'ECDH',
  '19': 'ECDSA',
  '22': 'EdDSA',
};

/** Every primary key in a `--with-colons` listing, with its uids and subkeys, in order. */
export function parseColonKeys(output: string): PublicKeyInfo[] {
  const keys: PublicKeyInfo[] = [];
  let current: PublicKeyInfo | undefined;
  // An fpr record belongs to the pub or sub record just before it.
  let fingerprintOwner: 'pub' | 'sub' | undefined;
  for (const line of output.split(/\r?\n/)) {
    const f = line.split(':');
    switch (f[0]) {
      case 'pub':
        current = {
          fingerprint: '',
          keyId: f[4] ?? '',
          validity: f[1] ?? '',
          algorithm: algorithms[f[3] ?? ''] ?? `algorithm ${f[3]}`,
          bits: Number(f[2] ?? 0),
          created: parseColonDate(f[5]),
          expires: parseColonDate(f[6]),
          uids: [],
          subkeys: [],
        };
        keys.push(current);
        fingerprintOwner = 'pub';
        break;
      case 'sub':
        current?.subkeys.push({
          keyId: f[4] ?? '',
          fingerprint: '',
          expires: parseColonDate(f[6]),
          usage: f[11] ?? '',
        });
        fingerprintOwner = 'sub';
        break;
      case 'fpr': {
        const fingerprint = (f[9] ?? '').toUpperCase();
        if (!current) break;
        if (fingerprintOwner === 'pub' && current.fingerprint === '')
          current.fingerprint = fingerprint;
        else if (fingerprintOwner === 'sub') {
          const sub = current.subkeys.at(-1);
          if (sub && sub.fingerprint === '') sub.fingerprint = fingerprint;
        }
        fingerprintOwner = undefined;
        break;
      }
      case 'uid':
        current?.uids.push(unescapeField(f[9] ?? ''));
        break;
      default:
        break;
    }
  }
  return keys;
}

/** `34EA 382B 07D6 DFEC 05C0  9B57 5593 9054 7D1A F7BB`, as gpg prints a v4 fingerprint. */
export function formatFingerprint(fingerprint: string): string {
  const groups = fingerprint.toUpperCase().match(/.{1,4}/g) ?? [];
  if (groups.length !== 10) return groups.join(' ');
  return `${groups.slice(0, 5).join(' ')}  ${groups.slice(5).join(' ')}`;
}

/** YYYY-MM-DD in UTC, how key dates are published. */
export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function isExpired(key: PublicKeyInfo, now: Date): boolean {
  return key.expires !== undefined && key.expires.getTime() <= now.getTime();
}
