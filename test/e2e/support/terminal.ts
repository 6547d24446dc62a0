// A real pseudo-terminal for driving the wizard keystroke by keystroke: util-linux `script`
// allocates the pty, so the CLI sees a TTY on stdin and stdout exactly as in a user's shell.
import { stripVTControlCharacters } from 'node:util';
import { execa, type ResultPromise } from 'execa';

const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

export const keys = { enter: '\r', down: '\x1b[B', up: '\x1b[A', ctrlC: '\x03' } as const;

export class Terminal {
  private text = '';
  private readonly child: ResultPromise;

  constructor(command: string[], env: NodeJS.ProcessEnv) {
    // A wide terminal keeps inquirer from wrapping prompts across lines.
    const shell = `stty cols 200 rows 60; exec ${command.map(quote).join(' ')}`;
    this.child = execa('script', ['-q', '-f', '-e', '-c', shell, '/dev/null'], {
      env: { ...env, TERM: 'xterm-256color' },
      reject: false,
      stdin: 'pipe',
    });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.text += stripVTControlCharacters(String(chunk));
    });
  }

  /** Everything the terminal showed so far, without colour and cursor codes. */
  get screen(): string {
    return this.text;
  }

  /** Waits until `pattern` appears after `from` (an offset into the screen text); returns the new offset. */
  async waitFor(pattern: string | RegExp, from = 0, timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const rest = this.text.slice(from);
      const index = typeof pattern === 'string' ? rest.indexOf(pattern) : rest.search(pattern);
      if (index >= 0) return from + index + 1;
      if (this.child.exitCode !== undefined && this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `the terminal never showed ${String(pattern)}; it shows:\n${this.text.slice(-3000)}`,
    );
  }

  type(text: string): void {
    this.child.stdin?.write(text);
  }

  /** Answers a prompt: waits for its question, then types the answer and Enter. */
  async answer(question: string | RegExp, answer = '', from = 0): Promise<number> {
    const at = await this.waitFor(question, from);
    this.type(answer);
    this.type(keys.enter);
    return at;
  }

  async exitCode(): Promise<number> {
    const result = await this.child;
    return result.exitCode ?? 1;
  }

  kill(): void {
    this.child.kill();
  }
}
