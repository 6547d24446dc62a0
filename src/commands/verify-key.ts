import type { Command } from 'commander';
import { loadOutput } from '../ui/output-settings.js';

interface VerifyKeyFlags {
  signingKey?: string;
  exportToDefaultKeyring?: boolean;
}

export function defineVerifyKey(program: Command): void {
  program
    .command('verify-key')
    .description('import Prefect’s chart-signing key into a keyring of our own and show its state')
    .option('--signing-key <file>', 'import this public key instead of Prefect’s')
    .option(
      '--export-to-default-keyring',
      'also write ~/.gnupg/pubring.gpg (an existing one is backed up first)',
    )
    .addHelpText(
      'after',
      `
The keyring lives in ~/.config/prefect-server/ ($XDG_CONFIG_HOME/prefect-server/): a GnuPG home
of its own (gnupg/) and the legacy-format export helm reads (helm-keyring.gpg), which
\`install --verify\` uses. Your ~/.gnupg is not touched unless you pass --export-to-default-keyring.

Examples:
  $ prefect-server verify-key
  $ prefect-server verify-key --signing-key ./our-mirror.asc
  $ prefect-server verify-key --export-to-default-keyring`,
    )
    .action(async (flags: VerifyKeyFlags) => {
      const { runVerifyKey } = await import('../signing/verify-key.js');
      await runVerifyKey(
        {
          signingKey: flags.signingKey,
          exportToDefaultKeyring: flags.exportToDefaultKeyring ?? false,
        },
        await loadOutput(),
      );
    });
}
