/** Retry timing of webhook deliveries. */
export interface BackoffPolicy {
  /** Delay ceiling of the first retry, in ms (`WEBHOOK_RETRY_BASE_MS`, default 1000). */
  baseMs: number;
  /** Largest delay, in ms (`WEBHOOK_RETRY_MAX_MS`, default 3600000). */
  maxMs: number;
}

/**
 * Exponential backoff with full jitter: after the `attempt`-th failed attempt (1-based), wait a uniformly random
 * time in `[0, min(maxMs, baseMs · 2^(attempt−1)))`, so receivers coming back from an outage are not hit by every
 * sender at once. E.g. base 1 s: up to 1 s, 2 s, 4 s … capped at `maxMs`.
 */
export function retryDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 52);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}
