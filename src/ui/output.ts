// Output that follows the terminal: colours and a spinner only on a TTY, NO_COLOR honoured,
// plain lines (one per change) when piped or in CI, nothing but errors with --quiet.
import chalk from 'chalk';
import { outputDefaults } from './output-settings.js';

export interface Spinner {
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  stop(): void;
}

export interface Output {
  readonly interactive: boolean;
  line(text?: string): void;
  heading(text: string): void;
  warn(text: string): void;
  spinner(text: string): Promise<Spinner>;
}

export const colors = chalk;

export function createOutput(
  options: { quiet?: boolean } = {},
  stream: NodeJS.WriteStream = process.stdout,
): Output {
  const interactive = Boolean(stream.isTTY) && !process.env.CI;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') chalk.level = 0;
  else if (!stream.isTTY && process.env.FORCE_COLOR === undefined) chalk.level = 0;
  const quiet = options.quiet ?? outputDefaults.quiet;
  const write = (text: string) => {
    if (!quiet) stream.write(`${text}\n`);
  };

  return {
    interactive,
    line: (text = '') => write(text),
    heading: (text) => write(`\n${chalk.bold(text)}`),
    warn: (text) => process.stderr.write(`${chalk.yellow('!')} ${text}\n`),
    async spinner(text) {
      if (quiet) return { update() {}, succeed() {}, fail() {}, stop() {} };
      if (!interactive) {
        // Piped output gets one line per change instead of an animation.
        let last = '';
        const say = (mark: string, t: string) => {
          if (t !== last) stream.write(`${mark} ${t}\n`);
          last = t;
        };
        say('-', text);
        return {
          update: (t) => say('-', t),
          succeed: (t) => say('✓', t),
          fail: (t) => say('✗', t),
          stop() {},
        };
      }
      // ora is loaded only on the paths that animate, to keep start-up light.
      const { default: ora } = await import('ora');
      const spinner = ora({ text, stream }).start();
      return {
        update: (t) => {
          spinner.text = t;
        },
        succeed: (t) => spinner.succeed(t),
        fail: (t) => spinner.fail(t),
        stop: () => spinner.stop(),
      };
    },
  };
}
