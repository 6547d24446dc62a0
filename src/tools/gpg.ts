import { locateTool } from './locate.js';
import { type RunOptions, runTool, type ToolResult } from './run-tool.js';

/**
 * A thin adapter over GnuPG, always bound to one home directory of ours: every call passes
 * `--batch --no-tty --homedir <home>`, so the user's own ~/.gnupg (or $GNUPGHOME) is never read
 * or written by accident. Keys travel in files, never through a shell.
 */
export class Gpg {
  private constructor(
    readonly binary: string,
    readonly homedir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** `homedir` must exist with mode 0700 (gpg warns about anything looser). */
  static async create(homedir: string, env: NodeJS.ProcessEnv = process.env): Promise<Gpg> {
    return new Gpg(await locateTool('gpg', env), homedir, env);
  }

  run(args: readonly string[], options: RunOptions = {}): Promise<ToolResult> {
    return runTool(
      'gpg',
      this.binary,
      ['--batch', '--no-tty', '--no-autostart', '--homedir', this.homedir, ...args],
      {
        timeoutMs: 60_000,
        env: this.env,
        ...options,
      },
    );
  }

  /** The keys in a file, as `--with-colons` lines, without importing anything. */
  async showKeys(file: string): Promise<ToolResult> {
    return this.run(['--with-colons', '--import-options', 'show-only', '--import', file], {
      allowFailure: true,
    });
  }

  /** Imports the keys of a file; the caller reads the keyring afterwards to see what arrived. */
  async importFile(file: string): Promise<ToolResult> {
    return this.run(['--import-options', 'import-minimal', '--import', file], {
      allowFailure: true,
    });
  }

  /** Public keys in this home, as `--with-colons` lines. */
  async listKeys(): Promise<string> {
    return (await this.run(['--with-colons', '--fixed-list-mode', '--list-keys'])).stdout;
  }

  /**
   * Writes the public keys (all, or those fingerprints) to `file` in the binary "legacy" keyring
   * format: concatenated OpenPGP packets, the only format helm 3 can read.
   */
  async exportKeyring(file: string, fingerprints: readonly string[] = []): Promise<void> {
    await this.run(['--yes', '--output', file, '--export', ...fingerprints]);
  }
}
