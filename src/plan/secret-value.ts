import { inspect } from 'node:util';

export const masked = '********';

/**
 * A password in memory. It prints, logs and serialises as a mask; only `reveal()` gives the text,
 * and the only places that call it write it to a 0600 file or a child's standard input.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return masked;
  }

  toJSON(): string {
    return masked;
  }

  [inspect.custom](): string {
    return `SecretValue(${masked})`;
  }
}
