// Prefect's chart-signing key, shipped inside this package exactly as Prefect's chart README
// publishes it (base64 of the binary key), and pinned here twice: by fingerprint (what gpg reports
// after importing) and by the SHA-256 of the decoded bytes (a changed signature packet keeps the
// fingerprint, and gpg then silently drops the damaged part).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

export const prefectKey = {
  fingerprint: '34EA382B07D6DFEC05C09B57559390547D1AF7BB',
  uid: 'Michael Adkins <michael@prefect.io>',
  created: '2021-03-09',
  expires: '2023-03-09',
  /** SHA-256 of the decoded key (1755 bytes). */
  sha256: '7fd7cf3a3e5a8a9611d1dba92a0c4c95925bbdbb0be5328b8fa21e2897378cf2',
} as const;

/** keys/ sits beside dist/ in the package and beside src/ in the repository. */
export const bundledKeyPath = join(packageRoot, 'keys', 'prefect-chart-signing-key.b64');

/**
 * Strict base64: Buffer.from(text, 'base64') skips characters it does not know, so a damaged
 * character would pass unnoticed. Returns undefined unless the text is canonical base64.
 */
export function decodeStrictBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0)
    return undefined;
  const bytes = Buffer.from(compact, 'base64');
  return bytes.toString('base64') === compact ? bytes : undefined;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The bundled key file's bytes (decoded), or why they cannot be read. */
export async function readBundledKey(
  path: string = bundledKeyPath,
): Promise<{ bytes: Buffer } | { problem: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { problem: `cannot read ${path}: ${(error as Error).message}` };
  }
  const bytes = decodeStrictBase64(text);
  return bytes ? { bytes } : { problem: `${path} is not valid base64` };
}
