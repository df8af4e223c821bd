import type { EndpointHealth, HealthChange, HealthPolicy } from '../store/health.ts';

export { healthyEndpoint, type BreakerState, type EndpointHealth } from '../store/health.ts';

/** Until when leasing must skip the endpoint (the later of its throttle slot and its breaker), or `null`. */
export function blockedUntil(h: EndpointHealth): number | null {
  const breaker = h.breaker === 'closed' ? null : h.breakerUntil;
  if (h.throttleNextAt === null) return breaker;
  return breaker === null ? h.throttleNextAt : Math.max(breaker, h.throttleNextAt);
}

/**
 * The circuit breaker's transition on one attempt's outcome. A success closes
 * it (and forgets the failure run); a failure opens a closed breaker once the
 * run reaches the threshold or the window's failure ratio does, and reopens a
 * half-open one (its probe failed) for another cool-down. Deliveries of an open
 * endpoint are not leased, so they wait instead of spending attempts.
 */
export function afterOutcome(h: EndpointHealth, ok: boolean, now: number, p: HealthPolicy): { next: EndpointHealth; change: HealthChange } {
  const next = { ...h };
  // The window opens at a failure and counts every attempt until it closes, so
  // a healthy endpoint's successes need no bookkeeping (see `isRoutine`).
  if (next.windowStart !== null && now - next.windowStart >= p.windowMs) {
    next.windowStart = null;
    next.windowTotal = 0;
    next.windowFailures = 0;
  }
  if (!ok && next.windowStart === null) next.windowStart = now;
  if (next.windowStart !== null) next.windowTotal++;
  const change: HealthChange = { opened: false, closed: false, disable: false };
  if (ok) {
    change.closed = h.breaker !== 'closed';
    next.breaker = 'closed';
    next.breakerUntil = null;
    next.consecutiveFailures = 0;
    next.failingSince = null;
    return { next, change };
  }
  next.windowFailures++;
  next.consecutiveFailures++;
  next.failingSince ??= now;
  const overRate = next.windowTotal >= p.minWindowAttempts && next.windowFailures / next.windowTotal >= p.failureRate;
  if (h.breaker === 'half_open' || (h.breaker === 'closed' && (next.consecutiveFailures >= p.failureThreshold || overRate))) {
    next.breaker = 'open';
    next.breakerUntil = now + p.cooldownMs;
    change.opened = true;
  }
  change.disable = now - next.failingSince >= p.disableAfterMs;
  return { next, change };
}

/** A success that changes nothing worth storing: closed breaker, no failure run, no open window. */
export function isRoutine(h: EndpointHealth, ok: boolean, now: number, p: HealthPolicy): boolean {
  return ok && h.breaker === 'closed' && h.consecutiveFailures === 0 && (h.windowStart === null || now - h.windowStart >= p.windowMs);
}
