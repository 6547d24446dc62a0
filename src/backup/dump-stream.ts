// The dump passes through the CLI once, from pg_dump's stdout to the file (or stdout): on the way
// its bytes are counted (progress, the manifest's size) and hashed (the manifest's SHA-256), so
// neither needs a second read of a file that may be gigabytes, or may be a pipe.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export class DigestingCounter extends Transform {
  #hash: Hash = createHash('sha256');
  #bytes = 0;
  readonly #onProgress: ((bytes: number) => void) | undefined;

  constructor(onProgress?: (bytes: number) => void) {
    super();
    this.#onProgress = onProgress;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.#bytes += chunk.length;
    this.#onProgress?.(this.#bytes);
    callback(null, chunk);
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The SHA-256 of everything that passed, hex; call once, after the stream ended. */
  sha256(): string {
    return this.#hash.digest('hex');
  }
}
