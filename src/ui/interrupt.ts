// Ctrl-C (SIGINT, and SIGTERM) ends every command the same way: exit ExitCode.interrupted (130)
// with a plain sentence saying what state things were left in and, when something is unfinished,
// the command that recovers. One mechanism, two uses:
//
// - by default, the process-wide handler prints the current notice and exits at once. Commands
//   update the notice as they change things (setInterruptNotice).
// - a step that must clean up first (stop helm, stop a port-forward) runs in an interrupt scope
//   (withInterruptScope): while it runs, the signal aborts the scope's AbortSignal instead, the
//   step stops what it started and ends with an InterruptedError, and main prints it and returns
//   130 like any UserError.
//
// Ctrl-C at an inquirer prompt is not a signal (the terminal is in raw mode); the prompt throws
// ExitPromptError, which interruptedAtPrompt turns into the same InterruptedError.
import { ExitCode, UserError } from '../errors.js';

/** The end of an interrupted command: exit 130, the state left, and how to recover. */
export class InterruptedError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.interrupted, ...(hint !== undefined && { hint }) });
    this.name = 'InterruptedError';
  }
}

/** The signals every command treats as Ctrl-C; a scope may listen for more (connect: SIGHUP). */
export const interruptSignals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

let notice = 'Interrupted; nothing was changed.';
/** The open scopes, innermost last: a signal aborts the innermost one only. */
const scopes: { controller: AbortController; signals: readonly NodeJS.Signals[] }[] = [];

export function setInterruptNotice(text: string): void {
  notice = text;
}

/** What a signal does: abort the innermost scope that listens for it, else print and exit. */
export function onInterruptSignal(
  signal: NodeJS.Signals,
  exit: (code: number) => void = (code) => process.exit(code),
  write: (text: string) => void = (text) => process.stderr.write(text),
): void {
  const scope = scopes.findLast((s) => s.signals.includes(signal));
  if (scope) {
    if (!scope.controller.signal.aborted) scope.controller.abort(signal);
    return;
  }
  if (!interruptSignals.includes(signal)) return;
  write(`\n${notice}\n`);
  exit(ExitCode.interrupted);
}

/** The signal that aborted a scope ('SIGINT', ...), for its message. */
export function abortedBy(signal: AbortSignal): NodeJS.Signals {
  return typeof signal.reason === 'string' ? (signal.reason as NodeJS.Signals) : 'SIGINT';
}

/**
 * Runs `step` with Ctrl-C handed to it as `signal`: the step must stop what it started when the
 * signal aborts and then end, usually by throwing an InterruptedError. `extraSignals` are also
 * caught while the step runs (connect ends on SIGHUP too, when its terminal goes).
 */
export async function withInterruptScope<T>(
  step: (signal: AbortSignal) => Promise<T>,
  extraSignals: readonly NodeJS.Signals[] = [],
): Promise<T> {
  const signals = [...interruptSignals, ...extraSignals];
  const scope = { controller: new AbortController(), signals };
  const extra = extraSignals.map((signal) => {
    const handler = () => onInterruptSignal(signal);
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  scopes.push(scope);
  try {
    return await step(scope.controller.signal);
  } finally {
    scopes.splice(scopes.indexOf(scope), 1);
    for (const off of extra) off();
  }
}

/** Resolves with `work`, or rejects with `onAbort()` as soon as `signal` aborts. */
export function unlessAborted<T>(
  work: Promise<T>,
  signal: AbortSignal,
  onAbort: () => unknown,
): Promise<T> {
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

/** inquirer's Ctrl-C at a prompt, as the same interruption; `undefined` for any other error. */
export function interruptedAtPrompt(error: unknown): InterruptedError | undefined {
  return error instanceof Error && error.name === 'ExitPromptError'
    ? new InterruptedError('Interrupted at a prompt; nothing was changed.')
    : undefined;
}

let installed = false;

export function installInterruptHandler(): void {
  if (installed) return;
  installed = true;
  for (const signal of interruptSignals) process.on(signal, () => onInterruptSignal(signal));
}
