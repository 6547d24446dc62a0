// Ctrl-C at any moment ends in a plain sentence saying what state things were left in. Commands
// update the notice as they change things; a step that handles Ctrl-C itself (helm --wait, which
// must be stopped cleanly and then reported) takes over while it runs.
import { ExitCode } from '../errors.js';

let notice = 'Interrupted; nothing was changed.';
let handledByStep = 0;

export function setInterruptNotice(text: string): void {
  notice = text;
}

/** Runs `step` with Ctrl-C left to it. */
export async function withOwnInterruptHandling<T>(step: () => Promise<T>): Promise<T> {
  handledByStep++;
  try {
    return await step();
  } finally {
    handledByStep--;
  }
}

export function installInterruptHandler(): void {
  const onSignal = () => {
    if (handledByStep > 0) return;
    process.stderr.write(`\n${notice}\n`);
    process.exit(ExitCode.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
