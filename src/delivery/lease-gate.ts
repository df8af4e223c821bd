import { blockedUntil, healthyEndpoint, type EndpointHealth } from './breaker.ts';

/**
 * Decides, during one lease pass, which deliveries an endpoint's throttle and
 * circuit breaker let through, and remembers what changed so the store writes
 * it back in the same transaction (the state is shared by every worker).
 *
 * Throttle: a slot every `1000 / rate` ms. The next slot is counted from the
 * later of the previous slot and half an interval ago, so a worker that wakes a
 * little late catches up without ever sending a burst.
 * Breaker: an open endpoint sends nothing until its cool-down ends; then one
 * delivery goes as the probe (half-open) and holds the endpoint until its
 * result, or until its lease would have expired.
 */
export class LeaseGate {
  private readonly changed = new Map<string, EndpointHealth>();

  private readonly health = new Map<string, EndpointHealth>();

  constructor(private readonly now: number) {}

  /** Adds endpoints' stored health (read under the lease pass's locks); what this pass changed already wins. */
  preload(stored: Map<string, EndpointHealth>): void {
    for (const [id, h] of stored) if (!this.health.has(id)) this.health.set(id, h);
  }

  /** Whether a delivery to `endpointId` may be leased now; `rate` in messages/s, `holdMs` the lease length. */
  admit(endpointId: string, rate: number | null, holdMs: number): boolean {
    const h = this.health.get(endpointId) ?? healthyEndpoint();
    if (rate === null && h.breaker === 'closed') return true;
    const until = blockedUntil(h);
    if (until !== null && until > this.now) return false;
    const next = { ...h };
    if (h.breaker !== 'closed') {
      next.breaker = 'half_open';
      next.breakerUntil = this.now + holdMs;
    }
    if (rate !== null && rate > 0) {
      const interval = 1000 / rate;
      next.throttleNextAt = Math.round(Math.max(h.throttleNextAt ?? 0, this.now - interval / 2) + interval);
    }
    this.health.set(endpointId, next);
    this.changed.set(endpointId, next);
    return true;
  }

  /** The endpoints whose health this pass changed, to write back. */
  updates(): Array<[string, EndpointHealth]> {
    return [...this.changed];
  }
}
