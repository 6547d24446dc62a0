import { describe, expect, it } from 'vitest';
import {
  apiBackoff,
  backoffDelay,
  forwardBackoff,
  RetriesExhausted,
  retryWithin,
} from '../../src/prefect/backoff.js';

/** A clock that only moves when the code under test sleeps. */
function fakeTime() {
  let now = 0;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    slept,
  };
}

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a, forwardBackoff))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ]);
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, apiBackoff))).toEqual([
      250, 500, 1_000, 2_000, 4_000, 4_000,
    ]);
  });

  it('stays finite for a very long outage', () => {
    expect(backoffDelay(10_000, forwardBackoff)).toBe(30_000);
    expect(backoffDelay(0, forwardBackoff)).toBe(1_000);
  });
});

describe('retryWithin', () => {
  const policy = { initialMs: 100, factor: 2, maxMs: 1_000 };

  it('returns the first success, after retrying retryable failures with growing delays', async () => {
    const time = fakeTime();
    const seen: number[] = [];
    const result = await retryWithin(
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 4) throw new Error('down');
        return 'up';
      },
      { budgetMs: 10_000, policy, isRetryable: () => true, ...time },
    );
    expect(result).toBe('up');
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(time.slept).toEqual([100, 200, 400]);
  });

  it('throws a failure that is not retryable at once, as it is', async () => {
    const time = fakeTime();
    const refused = new Error('400 bad request');
    let attempts = 0;
    await expect(
      retryWithin(
        async () => {
          attempts += 1;
          throw refused;
        },
        { budgetMs: 10_000, policy, isRetryable: () => false, ...time },
      ),
    ).rejects.toBe(refused);
    expect(attempts).toBe(1);
  });

  it('stops when the budget is spent: the last wait is cut to fit, then one last attempt', async () => {
    const time = fakeTime();
    const retries: number[] = [];
    const error = await retryWithin(
      async () => {
        time.advance(50); // each attempt takes a while itself
        throw new Error('ECONNREFUSED');
      },
      {
        budgetMs: 1_000,
        policy,
        isRetryable: () => true,
        onRetry: (_e, delay) => retries.push(delay),
        ...time,
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    const exhausted = error as RetriesExhausted;
    expect(exhausted.message).toBe('ECONNREFUSED');
    expect(exhausted.attempts).toBe(retries.length + 1);
    expect(retries).toEqual([100, 200, 400, 100]);
    expect(exhausted.elapsedMs).toBe(1_050);
  });

  it('runs at least once with no budget at all', async () => {
    const time = fakeTime();
    const error = await retryWithin(
      async () => {
        throw new Error('down');
      },
      { budgetMs: 0, policy, isRetryable: () => true, ...time },
    ).catch((e: unknown) => e);
    expect((error as RetriesExhausted).attempts).toBe(1);
    expect(time.slept).toEqual([]);
  });
});
