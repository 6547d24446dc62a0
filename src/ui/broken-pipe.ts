// `prefect-server --help | head -3`: the reader closes the pipe early and the next write fails
// with EPIPE. Node ignores SIGPIPE, so without a listener that error is an unhandled 'error'
// event with a stack trace. The CLI ends instead, quietly, as a Unix tool killed by SIGPIPE does:
// exit 141 (128 + SIGPIPE, what the shell reports for `yes | head -1`). Not 0: an install whose
// output was cut off may not have finished, and a script with `set -o pipefail` sees the same
// status as for any other tool.

/** 128 + SIGPIPE (13). */
export const brokenPipeExitCode = 141;

let installed = false;

export function endQuietlyOnBrokenPipe(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // Nothing can be printed any more (stderr may be the closed one): just end.
      if (error.code === 'EPIPE') process.exit(brokenPipeExitCode);
      throw error;
    });
  }
}
