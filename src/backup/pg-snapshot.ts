// A psql session held open in one REPEATABLE READ transaction: it exports its snapshot for
// pg_dump (`--snapshot`) and, after the dump, counts the rows of every table in that same
// snapshot, so the manifest's counts are exactly the dump's even while Prefect keeps writing.
// The session is driven over stdin/stdout: SQL goes in line by line, answers come back as psql's
// unaligned tuples (`-X -q -A -t -F TAB -v ON_ERROR_STOP=1`).
import { PassThrough, Writable } from 'node:stream';

/** The arguments psql runs with for the session. */
export const snapshotPsqlArgs = ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1'];

/** pg_export_snapshot()'s answer: hex words joined by dashes (00000003-0000001B-1). */
export const snapshotIdPattern = /^[0-9A-F]+(-[0-9A-F]+)+$/;

/** Collects psql's answer and resolves waiters for a line matching a pattern. */
export class LineCollector extends Writable {
  #text = '';
  #waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.#text += chunk.toString('utf8');
    this.#check();
    callback();
  }

  #check(): void {
    const lines = this.#text.split('\n').slice(0, -1);
    this.#waiters = this.#waiters.filter((w) => {
      const line = lines.find((l) => w.pattern.test(l));
      if (line === undefined) return true;
      w.resolve(line);
      return false;
    });
  }

  /** The first complete line matching `pattern`, when it comes. */
  lineMatching(pattern: RegExp): Promise<string> {
    return new Promise((resolve) => {
      this.#waiters.push({ pattern, resolve });
      this.#check();
    });
  }

  get text(): string {
    return this.#text;
  }
}

/** The SQL the session is fed, in its three steps. */
export const snapshotSql = {
  begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\nSELECT pg_export_snapshot();\n',
  end: 'COMMIT;\n',
};

/** stdin of the session: a stream the caller writes SQL into and ends. */
export function sessionInput(): PassThrough {
  return new PassThrough();
}
