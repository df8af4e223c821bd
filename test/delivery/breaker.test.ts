import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterOutcome, blockedUntil, healthyEndpoint, isRoutine, type EndpointHealth } from '../../src/delivery/breaker.ts';
import { LeaseGate } from '../../src/delivery/lease-gate.ts';
import type { HealthPolicy } from '../../src/store/health.ts';

// The breaker and the throttle are pure state transitions over an injected
// clock: the end-to-end tests prove the wiring, these prove the rules.
const T0 = 1_000_000;
const policy: HealthPolicy = {
  failureThreshold: 3,
  failureRate: 0.5,
  windowMs: 60_000,
  minWindowAttempts: 10,
  cooldownMs: 30_000,
  disableAfterMs: 86_400_000,
};

/** Applies outcomes one after another, `stepMs` apart, and returns the last state and change. */
function run(start: EndpointHealth, outcomes: boolean[], t: number, stepMs = 1_000, p = policy) {
  let h = start;
  let change = { opened: false, closed: false, disable: false };
  for (const [i, ok] of outcomes.entries()) ({ next: h, change } = afterOutcome(h, ok, t + i * stepMs, p));
  return { h, change };
}

describe('circuit breaker', () => {
  it('stays closed below the failure threshold and opens when the run reaches it', () => {
    const two = run(healthyEndpoint(), [false, false], T0);
    assert.equal(two.h.breaker, 'closed');
    assert.equal(two.h.consecutiveFailures, 2);
    const three = afterOutcome(two.h, false, T0 + 2_000, policy);
    assert.equal(three.next.breaker, 'open');
    assert.equal(three.change.opened, true);
    assert.equal(three.next.breakerUntil, T0 + 2_000 + policy.cooldownMs);
    assert.equal(three.next.failingSince, T0);
  });

  it('a success in the run resets it', () => {
    const { h } = run(healthyEndpoint(), [false, false, true, false, false], T0);
    assert.equal(h.breaker, 'closed');
    assert.equal(h.consecutiveFailures, 2);
    assert.equal(h.failingSince, T0 + 3_000);
  });

  it('opens on the failure ratio over the window once it has enough attempts', () => {
    // Alternating outcomes never reach three in a row, but half of ten attempts failed.
    const outcomes = [false, true, false, true, false, true, false, true, false, true, false];
    const { h } = run(healthyEndpoint(), outcomes.slice(0, 9), T0);
    assert.equal(h.breaker, 'closed', 'nine attempts are below minWindowAttempts');
    const opened = afterOutcome(afterOutcome(h, true, T0 + 9_000, policy).next, false, T0 + 10_000, policy);
    assert.equal(opened.next.breaker, 'open');
    assert.equal(opened.next.windowTotal, 11);
    assert.equal(opened.next.windowFailures, 6);
  });

  it('forgets the window once it has lasted windowMs', () => {
    const early = run(healthyEndpoint(), [false, true, false, true], T0).h;
    const later = afterOutcome(early, false, T0 + policy.windowMs + 5_000, policy).next;
    assert.equal(later.windowStart, T0 + policy.windowMs + 5_000);
    assert.equal(later.windowTotal, 1);
    assert.equal(later.windowFailures, 1);
  });

  it('a failed probe reopens a half-open breaker for another cool-down, a successful one closes it', () => {
    const open = run(healthyEndpoint(), [false, false, false], T0).h;
    const halfOpen: EndpointHealth = { ...open, breaker: 'half_open', breakerUntil: T0 + 40_000 };
    const failed = afterOutcome(halfOpen, false, T0 + 35_000, policy);
    assert.equal(failed.next.breaker, 'open');
    assert.equal(failed.next.breakerUntil, T0 + 35_000 + policy.cooldownMs);
    assert.equal(failed.change.opened, true);
    const closed = afterOutcome(halfOpen, true, T0 + 35_000, policy);
    assert.equal(closed.next.breaker, 'closed');
    assert.equal(closed.next.breakerUntil, null);
    assert.equal(closed.next.consecutiveFailures, 0);
    assert.equal(closed.next.failingSince, null);
    assert.equal(closed.change.closed, true);
  });

  it('asks to disable an endpoint that has failed without a success for disableAfter', () => {
    const first = afterOutcome(healthyEndpoint(), false, T0, policy).next;
    assert.equal(afterOutcome(first, false, T0 + policy.disableAfterMs - 1, policy).change.disable, false);
    assert.equal(afterOutcome(first, false, T0 + policy.disableAfterMs, policy).change.disable, true);
  });

  it('a success on a healthy endpoint is routine (nothing to store); one after failures is not', () => {
    assert.equal(isRoutine(healthyEndpoint(), true, T0, policy), true);
    assert.equal(isRoutine(healthyEndpoint(), false, T0, policy), false);
    const failing = afterOutcome(healthyEndpoint(), false, T0, policy).next;
    assert.equal(isRoutine(failing, true, T0 + 1_000, policy), false);
    const recovered = afterOutcome(failing, true, T0 + 1_000, policy).next;
    // The window opened by the failure still counts attempts until it lapses.
    assert.equal(isRoutine(recovered, true, T0 + 2_000, policy), false);
    assert.equal(isRoutine(recovered, true, T0 + policy.windowMs, policy), true);
  });

  it('blocks leasing until the later of the throttle slot and the breaker', () => {
    assert.equal(blockedUntil(healthyEndpoint()), null);
    assert.equal(blockedUntil({ ...healthyEndpoint(), throttleNextAt: 5 }), 5);
    assert.equal(blockedUntil({ ...healthyEndpoint(), breaker: 'open', breakerUntil: 9 }), 9);
    assert.equal(blockedUntil({ ...healthyEndpoint(), breaker: 'open', breakerUntil: 9, throttleNextAt: 12 }), 12);
    // A closed breaker's stale `breakerUntil` blocks nothing.
    assert.equal(blockedUntil({ ...healthyEndpoint(), breakerUntil: 9 }), null);
  });
});

describe('lease gate', () => {
  it('lets an unthrottled healthy endpoint through without recording anything', () => {
    const gate = new LeaseGate(T0);
    assert.equal(gate.admit('e', null, 30_000), true);
    assert.equal(gate.admit('e', null, 30_000), true);
    assert.deepEqual(gate.updates(), []);
  });

  it('spaces a throttled endpoint one interval apart and sends no burst after a late wake-up', () => {
    const gate = new LeaseGate(T0);
    assert.equal(gate.admit('e', 10, 30_000), true);
    assert.equal(gate.admit('e', 10, 30_000), false, 'the next slot is 100 ms away');
    const [[id, h]] = gate.updates() as [[string, EndpointHealth]];
    assert.equal(id, 'e');
    assert.equal(h.throttleNextAt, T0 + 50);
    // A pass 10 s later (the worker slept) gets one slot, not a hundred.
    const late = new LeaseGate(T0 + 10_000);
    late.preload(new Map([['e', h]]));
    assert.equal(late.admit('e', 10, 30_000), true);
    assert.equal(late.admit('e', 10, 30_000), false);
    assert.equal(late.updates()[0]?.[1].throttleNextAt, T0 + 10_000 - 50 + 100);
  });

  it('holds an open endpoint until its cool-down, then lets one probe through and holds the rest', () => {
    const open: EndpointHealth = { ...healthyEndpoint(), breaker: 'open', breakerUntil: T0 + 30_000 };
    const during = new LeaseGate(T0 + 29_999);
    during.preload(new Map([['e', open]]));
    assert.equal(during.admit('e', null, 5_000), false);
    const after = new LeaseGate(T0 + 30_000);
    after.preload(new Map([['e', open]]));
    assert.equal(after.admit('e', null, 5_000), true, 'the probe');
    assert.equal(after.admit('e', null, 5_000), false, 'the probe holds the endpoint');
    const probe = after.updates()[0]?.[1];
    assert.equal(probe?.breaker, 'half_open');
    assert.equal(probe?.breakerUntil, T0 + 35_000, "until the probe's lease would expire");
  });

  it('keeps what this pass changed over a later preload of the stored state', () => {
    const gate = new LeaseGate(T0);
    assert.equal(gate.admit('e', 1, 30_000), true);
    gate.preload(new Map([['e', healthyEndpoint()]]));
    assert.equal(gate.admit('e', 1, 30_000), false);
  });
});
