/**
 * Rejects when `work` takes longer than `ms`. The timer is a plain (ref'd) one on purpose:
 * fetch's AbortSignal.timeout and some client timers are unref'd, and a request stuck on a
 * closed port-forward would otherwise let the process exit with the check still unanswered.
 */
export function withTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`${what} did not answer within ${Math.round(ms / 1000)} s`));
    }, ms);
  });
  return Promise.race([work(controller.signal), timeout]).finally(() => clearTimeout(timer));
}
