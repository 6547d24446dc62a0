import type { Command } from 'commander';
import { releaseRuleHelp } from '../release/release-ref.js';
import { addClusterOptions } from './plan-options.js';

export function defineBackup(program: Command): void {
  const command = program
    .command('backup')
    .description(
      "dump the release's database (pg_dump custom format) to a local file, with a checksum and a manifest",
    )
    .option(
      '-o, --output <file>',
      'where the dump goes (created 0600, never overwritten); "-" for stdout (default: RELEASE-UTCTIME.dump here)',
    )
    .option(
      '--manifest <file>',
      'where the manifest goes (default: FILE.manifest.json beside the dump; with --output - none unless given)',
    );
  addClusterOptions(command);
  command
    .addHelpText(
      'after',
      `
The dump is pg_dump's custom format, taken in one snapshot (consistent while the server keeps
running), streamed from the database pod through kubectl exec (bundled database) or from a
short-lived client pod in the release's namespace (external database): no file is written in the
cluster and the password is on no command line. Bytes are counted and hashed (SHA-256) on the way.

The manifest is a small JSON file beside the dump (FILE.manifest.json: release, namespace, chart
and app version, PostgreSQL version, Prefect schema revision, rows per table counted in the dump's
own snapshot, checksum, size, time). It is a separate file so that the dump stays a plain pg_dump
archive and --output - can stream it untouched: its checksum and size are known only at the end.
restore reads it to check the file before it changes anything. The backup is also recorded in
$XDG_STATE_HOME/prefect-server/backups.json (default ~/.local/state), which status reads.

${releaseRuleHelp}

Examples:
  $ prefect-server backup -n prefect
  $ prefect-server backup -n prefect --output /backups/prefect.dump
  $ prefect-server backup -n prefect --output - --manifest prefect.manifest.json | aws s3 cp - s3://bucket/prefect.dump`,
    )
    .action(async (flags) => {
      const { runBackup } = await import('../backup/run-backup.js');
      await runBackup(flags);
    });
}
