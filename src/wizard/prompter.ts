// The only way any command talks to the user at a prompt: inquirer prompts bound to one pair of
// streams, plus plain lines of explanation between them. Tests hand in their own streams and type
// into them. inquirer is loaded at the first prompt, so a command run with --yes never loads it.

import { Writable } from 'node:stream';
import chalk from 'chalk';
import type { Rule } from '../plan/rules.js';

export interface WizardIO {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

export interface Choice<T> {
  value: T;
  name: string;
  description?: string;
}

/** An inquirer validate function: true when fine, else the sentence to show under the prompt. */
export type Validate = (value: string) => true | string | Promise<true | string>;

/** A rule as an inquirer validate function, so a bad answer is refused at its own prompt. */
export function refuse(rule: Rule): Validate {
  return (value) => rule(value) ?? true;
}

/** Blank means "not set"; anything else must pass the rule. */
export function optional(rule: Rule): Rule {
  return (value) => (value === '' ? undefined : rule(value));
}

/** A comma-separated answer as a list: trimmed, empties dropped. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Every item of a comma-separated answer must pass the rule; the first failure is shown. */
export function eachOf(rule: Rule): Rule {
  return (value) => {
    for (const item of splitList(value)) {
      const problem = rule(item);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
}

/** The first line of an error, for a one-line explanation between prompts. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/**
 * Inquirer pipes each prompt into its output stream with the legacy `pipe`, which ends the
 * destination when the prompt finishes: fine for process.stdout (never ended), fatal for any other
 * stream, which would refuse the next prompt. Each prompt gets its own disposable front instead.
 */
function keepOpen(target: NodeJS.WritableStream): NodeJS.WritableStream {
  const front = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      target.write(chunk, (error) => callback(error ?? null));
    },
  });
  // Readline sizes and wraps its lines from the terminal it writes to.
  const terminal = target as NodeJS.WritableStream & {
    isTTY?: boolean;
    columns?: number;
    rows?: number;
  };
  for (const key of ['isTTY', 'columns', 'rows'] as const) {
    Object.defineProperty(front, key, { get: () => terminal[key], enumerable: true });
  }
  return front;
}

const prompts = () => import('@inquirer/prompts');

export class Prompter {
  readonly #io: WizardIO;

  constructor(io: WizardIO = {}) {
    this.#io = io;
  }

  #context(): { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream } {
    const context: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream } = {};
    if (this.#io.input !== undefined) context.input = this.#io.input;
    if (this.#io.output !== undefined) context.output = keepOpen(this.#io.output);
    return context;
  }

  /** A line of explanation between prompts. */
  say(text: string): void {
    (this.#io.output ?? process.stdout).write(`${text}\n`);
  }

  warn(text: string): void {
    this.say(chalk.yellow(`! ${text}`));
  }

  /** Free text, trimmed: surrounding spaces are never part of a name, host or quantity. */
  async input(config: { message: string; default?: string; validate?: Validate }): Promise<string> {
    const { validate } = config;
    const { input } = await prompts();
    const answer = await input(
      {
        message: config.message,
        ...(config.default !== undefined && { default: config.default }),
        ...(validate !== undefined && { validate: (value: string) => validate(value.trim()) }),
      },
      this.#context(),
    );
    return answer.trim();
  }

  async select<T>(config: { message: string; choices: Choice<T>[]; default?: T }): Promise<T> {
    const { select } = await prompts();
    return select<T>(
      {
        message: config.message,
        choices: config.choices,
        ...(config.default !== undefined && { default: config.default }),
      },
      this.#context(),
    );
  }

  /** Several of the choices; a disabled one is shown with its reason and cannot be picked. */
  async checkbox<T>(config: {
    message: string;
    choices: (Choice<T> & { disabled?: string })[];
  }): Promise<T[]> {
    const { checkbox } = await prompts();
    return checkbox<T>(config, this.#context());
  }

  async confirm(config: { message: string; default: boolean }): Promise<boolean> {
    const { confirm } = await prompts();
    return confirm(config, this.#context());
  }

  /** Masked: the typed text is never echoed, only one '*' per character. */
  async password(config: { message: string; validate: Validate }): Promise<string> {
    const { password } = await prompts();
    return password({ ...config, mask: true }, this.#context());
  }
}
