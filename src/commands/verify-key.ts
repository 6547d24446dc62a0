import type { Command } from 'commander';
import { notBuiltYet } from './not-built-yet.js';

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
Examples:
  $ prefect-server verify-key
  $ prefect-server verify-key --signing-key ./our-mirror.asc`,
    )
    .action(() => notBuiltYet('verify-key'));
}
