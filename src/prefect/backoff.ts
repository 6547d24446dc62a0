// Retrying with exponential backoff inside a time budget: the one policy behind API calls (a
// server that is starting or a forward that is reconnecting) and port-forward restarts.

export interface BackoffPolicy {
  /** Delay before the second attempt. */
  initialMs: number;
  /** Each later delay is the previous one times this. */
  factor: number;
  /** No delay is longer than this. */
  maxMs: number;
}

/** API calls: quick first retries (a forward being restarted), then every few seconds. */
export const apiBackoff: BackoffPolicy = { initialMs: 250, factor: 2, maxMs: 4_000 };

/** Port-forward restarts: 1 s, 2 s, 4 s ... 30 s, so a pod that is restarting is not hammered. */
export const forwardBackoff: BackoffPolicy = { initialMs: 1_000, factor: 2, maxMs: 30_000 };

/** The delay after failed attempt number `attempt` (1-based). */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  const exponent = Math.max(0, attempt - 1);
  // Capped before multiplying out, so a long outage cannot overflow to Infinity.
  const uncapped = policy.initialMs * policy.factor ** Math.min(exponent, 30);
  return Math.min(policy.maxMs, Math.round(uncapped));
}

/** Every attempt failed, or the last one failed in a way not worth repeating after some tries. */
export class RetriesExhausted extends Error {
  constructor(
    readonly lastError: unknown,
    readonly attempts: number,
    readonly elapsedMs: number,
  ) {
    super(lastError instanceof Error ? lastError.message : String(lastError), {
      cause: lastError,
    });
    this.name = 'RetriesExhausted';
  }
}

export interface RetryOptions {
  /** Total time allowed, measured from the first attempt; the last attempt starts before it ends. */
  budgetMs: number;
  policy: BackoffPolicy;
  /** Errors for which another attempt may succeed (network, 5xx); others are thrown at once. */
  isRetryable: (error: unknown) => boolean;
  onRetry?: (error: unknown, delayMs: number, attempt: number) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Ends the retries (Ctrl-C): no further attempt, and a wait between attempts is cut short. */
  signal?: AbortSignal | undefined;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A wait that ends early, rejecting with the abort reason, when `signal` aborts. */
function abortableSleep(
  sleep: (ms: number) => Promise<void>,
  ms: number,
  signal: AbortSignal,
): Promise<void> {
  if (sleep !== realSleep) return sleep(ms).then(() => signal.throwIfAborted());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `operation` until it succeeds, throws an error that is not retryable (re-thrown as is),
 * or the budget is spent (RetriesExhausted carrying the last error). At least one attempt runs.
 */
export async function retryWithin<T>(
  operation: (attempt: number, remainingMs: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const started = now();
  const deadline = started + options.budgetMs;
  const { signal } = options;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await operation(attempt, Math.max(0, deadline - now()));
    } catch (error) {
      signal?.throwIfAborted();
      if (!options.isRetryable(error)) throw error;
      const remaining = deadline - now();
      if (remaining <= 0) throw new RetriesExhausted(error, attempt, now() - started);
      const delay = Math.min(backoffDelay(attempt, options.policy), remaining);
      options.onRetry?.(error, delay, attempt);
      await (signal ? abortableSleep(sleep, delay, signal) : sleep(delay));
    }
  }
}
