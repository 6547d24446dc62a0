import type { Command } from 'commander';
import { releaseRuleHelp } from '../release/release-ref.js';
import { addClusterOptions } from './plan-options.js';

export function defineRestore(program: Command): void {
  const command = program
    .command('restore')
    .description("restore a backup into the release's database, with the writers stopped")
    .argument('<file>', 'a dump written by prefect-server backup')
    .option('--manifest <file>', "the backup's manifest (default: FILE.manifest.json)")
    .option('--force', 'restore into a database that holds rows: everything in it is dropped first')
    .option('--resume', 'finish a restore that was interrupted (the command it printed)')
    .option('-y, --yes', 'do not ask to type the release name');
  addClusterOptions(command);
  command
    .addHelpText(
      'after',
      `
Before anything changes, the file is checked: it must be a pg_dump custom-format archive whose
size and SHA-256 match its manifest, of a Prefect Server no newer than the release's. A database
that holds rows is refused unless --force. Then, after you type the release name (--yes skips;
without a terminal --yes is required):

  1. graphql, towel, apollo and the agent are scaled to zero; each Deployment keeps its replica
     count in the annotation prefect-server-install/restore-replicas until the restore ends;
  2. what the database holds is dropped (every schema but PostgreSQL's own, then an empty public):
     a running release's graphql has already created Prefect's empty tables;
  3. pg_restore reads the dump streamed from this machine, in one transaction;
  4. the rows of every table are counted (nothing writes yet) and compared with the manifest;
  5. the writers get their replica counts back; when the dump's schema is older than the server's,
     graphql's init container runs prefect-server database upgrade --yes as it starts.

Interrupted (Ctrl-C) or failed, it says what state it left (writers at zero, the database empty or
as before) and prints the command that finishes: the same restore with --resume.

${releaseRuleHelp}

Examples:
  $ prefect-server restore prefect-server-20261201T120000Z.dump -n prefect
  $ prefect-server restore backup.dump --manifest backup.manifest.json -n prefect --force --yes`,
    )
    .action(async (file: string, flags) => {
      const { runRestore } = await import('../restore/run-restore.js');
      await runRestore(file, flags);
    });
}
