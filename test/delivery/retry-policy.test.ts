import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextAfterFailure, parseRetryAfter, type RetryInput } from '../../src/delivery/retry-policy.ts';

// The retry schedule is a pure function of the attempt count, an injected clock
// and an injected random source: every case here runs without a server or a timer.
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const base: RetryInput = {
  attempts: 1,
  scheduleMs: [5_000, 300_000, 1_800_000],
  jitter: 0,
  retryAfterMs: undefined,
  maxRetryAfterMs: 3_600_000,
  manual: false,
  now: NOW,
};

describe('retry schedule', () => {
  it('takes the slot of the schedule that follows the attempt just made', () => {
    assert.deepEqual(nextAfterFailure({ ...base, attempts: 1 }), { state: 'scheduled', at: NOW + 5_000 });
    assert.deepEqual(nextAfterFailure({ ...base, attempts: 2 }), { state: 'scheduled', at: NOW + 300_000 });
    assert.deepEqual(nextAfterFailure({ ...base, attempts: 3 }), { state: 'scheduled', at: NOW + 1_800_000 });
  });

  it('is dead once the schedule is spent, and at once for a manual attempt', () => {
    assert.deepEqual(nextAfterFailure({ ...base, attempts: 4 }), { state: 'dead' });
    assert.deepEqual(nextAfterFailure({ ...base, attempts: 1, manual: true }), { state: 'dead' });
    assert.deepEqual(nextAfterFailure({ ...base, scheduleMs: [], attempts: 1 }), { state: 'dead' });
  });

  it('spreads a slot by at most ±jitter, reaching both bounds', () => {
    const at = (r: number): number => {
      const next = nextAfterFailure({ ...base, attempts: 2, jitter: 0.2, random: () => r });
      assert.equal(next.state, 'scheduled');
      return (next as { at: number }).at - NOW;
    };
    assert.equal(at(0), 240_000);
    assert.equal(at(0.5), 300_000);
    assert.equal(at(0.999999), 360_000);
    for (let i = 0; i < 200; i++) {
      const delay = at(i / 200);
      assert.ok(delay >= 240_000 && delay <= 360_000, `delay ${delay} out of bounds`);
    }
  });

  it('never retries sooner than the receiver asked with Retry-After, clamped to the maximum', () => {
    assert.deepEqual(nextAfterFailure({ ...base, retryAfterMs: 60_000 }), { state: 'scheduled', at: NOW + 60_000 });
    // A shorter Retry-After than the schedule's slot does not pull the retry forward.
    assert.deepEqual(nextAfterFailure({ ...base, retryAfterMs: 1_000 }), { state: 'scheduled', at: NOW + 5_000 });
    // A receiver asking for a week is held to the configured maximum.
    assert.deepEqual(nextAfterFailure({ ...base, retryAfterMs: 7 * 86_400_000 }), { state: 'scheduled', at: NOW + 3_600_000 });
    // Retry-After does not revive a spent schedule.
    assert.deepEqual(nextAfterFailure({ ...base, attempts: 4, retryAfterMs: 1_000 }), { state: 'dead' });
  });
});

describe('Retry-After parsing', () => {
  it('reads delay-seconds and HTTP dates against the injected clock', () => {
    assert.equal(parseRetryAfter('120', NOW), 120_000);
    assert.equal(parseRetryAfter(' 7 ', NOW), 7_000);
    assert.equal(parseRetryAfter(['30', '90'], NOW), 30_000);
    assert.equal(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW), 90_000);
  });

  it('treats a date in the past as now, and absent or unreadable values as none', () => {
    assert.equal(parseRetryAfter(new Date(NOW - 90_000).toUTCString(), NOW), 0);
    assert.equal(parseRetryAfter(undefined, NOW), undefined);
    assert.equal(parseRetryAfter('', NOW), undefined);
    assert.equal(parseRetryAfter('soon', NOW), undefined);
    assert.equal(parseRetryAfter('-5', NOW), undefined);
  });
});
