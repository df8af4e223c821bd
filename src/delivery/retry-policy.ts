import type { NextState } from '../store/store.ts';

export interface RetryInput {
  /** Attempts made so far, this one included. */
  attempts: number;
  scheduleMs: readonly number[];
  jitter: number;
  /** From the receiver's `Retry-After`, if it sent one. */
  retryAfterMs: number | undefined;
  maxRetryAfterMs: number;
  /** A manual attempt (operator replay) is not retried. */
  manual: boolean;
  now: number;
  random?: () => number;
}

/**
 * Where a delivery goes after a failed attempt: the next slot of its schedule,
 * spread by ±jitter, never sooner than the receiver's `Retry-After` (clamped);
 * `dead` once the schedule is spent.
 */
export function nextAfterFailure(input: RetryInput): NextState {
  if (input.manual || input.attempts > input.scheduleMs.length) return { state: 'dead' };
  const base = input.scheduleMs[input.attempts - 1] as number;
  const spread = 1 + input.jitter * (2 * (input.random ?? Math.random)() - 1);
  let delay = Math.round(base * spread);
  if (input.retryAfterMs !== undefined) delay = Math.max(delay, Math.min(input.retryAfterMs, input.maxRetryAfterMs));
  return { state: 'scheduled', at: input.now + delay };
}

/** `Retry-After` as seconds or an HTTP date → milliseconds from `now`; `undefined` when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(text)) return Number(text) * 1000;
  // An HTTP date always names its month; without this, Date.parse reads "-5"
  // as the year 5 BC, which would turn a malformed header into "retry now".
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
