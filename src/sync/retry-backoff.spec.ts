import fc from 'fast-check';
import { retryDelayMs } from './retry-backoff';

describe('retryDelayMs (exponential backoff, full jitter)', () => {
  const policy = { baseMs: 1000, maxMs: 60_000 };

  it('doubles the ceiling per attempt up to the cap', () => {
    const ceiling = (attempt: number) => retryDelayMs(attempt, policy, () => 0.999999999);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(ceiling)).toEqual([999, 1999, 3999, 7999, 15999, 31999, 59999, 59999]);
    expect(ceiling(100)).toBe(59999);
  });

  it('spreads retries over the whole window (full jitter)', () => {
    expect(retryDelayMs(3, policy, () => 0)).toBe(0);
    expect(retryDelayMs(3, policy, () => 0.5)).toBe(2000);
  });

  it('stays within [0, min(cap, base · 2^(attempt−1))) for any attempt and policy', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseMs, extra, random) => {
          const maxMs = baseMs + extra;
          const delay = retryDelayMs(attempt, { baseMs, maxMs }, () => random);
          const bound = Math.min(maxMs, baseMs * 2 ** Math.max(attempt - 1, 0));
          return Number.isInteger(delay) && delay >= 0 && delay < Math.max(bound, 1);
        },
      ),
    );
  });
});
