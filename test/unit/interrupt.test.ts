// The one Ctrl-C mechanism (src/ui/interrupt.ts): without a scope a signal prints the notice and
// exits 130; inside a scope it aborts the scope's signal instead, innermost first; the retry loop
// of the API client stops on that signal.
import { describe, expect, it } from 'vitest';
import { ExitCode, UserError } from '../../src/errors.js';
import { apiBackoff, retryWithin } from '../../src/prefect/backoff.js';
import {
  abortedBy,
  InterruptedError,
  interruptedAtPrompt,
  onInterruptSignal,
  setInterruptNotice,
  unlessAborted,
  withInterruptScope,
} from '../../src/ui/interrupt.js';

function recorder() {
  const calls = { exits: [] as number[], text: '' };
  return {
    calls,
    exit: (code: number) => calls.exits.push(code),
    write: (text: string) => {
      calls.text += text;
    },
  };
}

describe('without a scope', () => {
  it('prints the current notice and exits 130', () => {
    const r = recorder();
    setInterruptNotice('Interrupted; nothing was changed.');
    onInterruptSignal('SIGINT', r.exit, r.write);
    expect(r.calls).toEqual({ exits: [130], text: '\nInterrupted; nothing was changed.\n' });
    setInterruptNotice(
      'Interrupted; tenant x may or may not exist now: prefect-server tenant list -n p',
    );
    onInterruptSignal('SIGTERM', r.exit, r.write);
    expect(r.calls.exits).toEqual([130, 130]);
    expect(r.calls.text).toContain('tenant x may or may not exist now');
  });

  it('a signal no scope asked for (SIGHUP) is left alone', () => {
    const r = recorder();
    onInterruptSignal('SIGHUP', r.exit, r.write);
    expect(r.calls).toEqual({ exits: [], text: '' });
  });
});

describe('inside a scope', () => {
  it('aborts the scope with the signal instead of exiting; the scope ends itself', async () => {
    const r = recorder();
    const result = withInterruptScope(async (signal) => {
      onInterruptSignal('SIGINT', r.exit, r.write);
      expect(signal.aborted).toBe(true);
      expect(abortedBy(signal)).toBe('SIGINT');
      throw new InterruptedError('Interrupted; the temporary port-forward is stopped.');
    });
    await expect(result).rejects.toMatchObject({
      exitCode: ExitCode.interrupted,
      message: 'Interrupted; the temporary port-forward is stopped.',
    });
    expect(r.calls.exits).toEqual([]);
    // Closed: the next signal is the default's again.
    onInterruptSignal('SIGINT', r.exit, r.write);
    expect(r.calls.exits).toEqual([130]);
  });

  it('only the innermost scope is aborted; an extra signal counts only where asked for', async () => {
    const r = recorder();
    await withInterruptScope(
      async (outer) => {
        await withInterruptScope(async (inner) => {
          onInterruptSignal('SIGHUP', r.exit, r.write);
          expect(outer.aborted).toBe(true);
          expect(abortedBy(outer)).toBe('SIGHUP');
          expect(inner.aborted).toBe(false);
          onInterruptSignal('SIGTERM', r.exit, r.write);
          expect(inner.aborted).toBe(true);
          expect(abortedBy(inner)).toBe('SIGTERM');
        });
      },
      ['SIGHUP'],
    );
    expect(r.calls.exits).toEqual([]);
  });

  it('unlessAborted ends a wait as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const never = new Promise<number>(() => {});
    const waiting = unlessAborted(never, controller.signal, () => new Error('stopped'));
    controller.abort('SIGINT');
    await expect(waiting).rejects.toThrow('stopped');
    await expect(
      unlessAborted(Promise.resolve(1), new AbortController().signal, () => 0),
    ).resolves.toBe(1);
  });
});

describe('the API retry loop is abortable', () => {
  it('a wait between attempts is cut short and no further attempt runs', async () => {
    const controller = new AbortController();
    let attempts = 0;
    const started = Date.now();
    const retrying = retryWithin(
      async () => {
        attempts++;
        throw new Error('no answer');
      },
      {
        budgetMs: 60_000,
        policy: apiBackoff,
        isRetryable: () => true,
        onRetry: () => setTimeout(() => controller.abort('SIGINT'), 20),
        signal: controller.signal,
      },
    );
    await expect(retrying).rejects.toBe('SIGINT');
    expect(attempts).toBe(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("inquirer's Ctrl-C at a prompt", () => {
  it('is the same interruption, exit 130, nothing changed', () => {
    const error = Object.assign(new Error('User force closed the prompt'), {
      name: 'ExitPromptError',
    });
    const interrupted = interruptedAtPrompt(error);
    expect(interrupted).toBeInstanceOf(UserError);
    expect(interrupted).toMatchObject({
      exitCode: 130,
      message: 'Interrupted at a prompt; nothing was changed.',
    });
    expect(interruptedAtPrompt(new Error('other'))).toBeUndefined();
  });
});
