import type { DeliveryState, OnDeadPolicy } from '../store/records.ts';
import { isFifoHead } from './fifo-head.ts';

/** An endpoint as the liveness invariant sees it. */
export interface EndpointView {
  id: string;
  fifo: boolean;
  onDead: OnDeadPolicy;
  disabled: boolean;
  concurrency: number;
  /** Until when its breaker or throttle holds it (0 or null: not held). */
  blockedUntil: number | null;
}

/** A delivery as the liveness invariant sees it. */
export interface DeliveryView {
  id: string;
  endpointId: string;
  orderingKey: string | null;
  sequence: number | null;
  createdAt: number;
  state: DeliveryState;
  nextAttemptAt: number | null;
}

/** Per endpoint: the deliveries that may be leased now, and how many of them must be. */
export interface Owed {
  eligible: Set<string>;
  owed: number;
}

/**
 * The liveness invariant (docs/reliability.md): a delivery that is due, whose
 * endpoint is enabled and below its concurrency, rate and breaker limits, and
 * whose FIFO predecessors are done, must be leased by the next lease pass.
 * Returns, for each endpoint with such deliveries, which ones qualify and how
 * many a pass must lease (its free slots bound that). A pure statement of the
 * rule, for the stores' tests and the stall check's reasoning.
 */
export function owedLeases(endpoints: readonly EndpointView[], deliveries: readonly DeliveryView[], now: number): Map<string, Owed> {
  const out = new Map<string, Owed>();
  const byKey = new Map<string, DeliveryView[]>();
  const inFlight = new Map<string, number>();
  for (const d of deliveries) {
    if (d.state === 'in_flight') inFlight.set(d.endpointId, (inFlight.get(d.endpointId) ?? 0) + 1);
    if (d.orderingKey === null) continue;
    const k = `${d.endpointId}\u0000${d.orderingKey}`;
    byKey.set(k, [...(byKey.get(k) ?? []), d]);
  }
  for (const ep of endpoints) {
    const room = ep.concurrency - (inFlight.get(ep.id) ?? 0);
    if (ep.disabled || room <= 0 || (ep.blockedUntil ?? 0) > now) continue;
    const eligible = new Set<string>();
    for (const d of deliveries) {
      if (d.endpointId !== ep.id || (d.state !== 'pending' && d.state !== 'scheduled') || d.nextAttemptAt === null || d.nextAttemptAt > now)
        continue;
      if (ep.fifo && d.orderingKey !== null && !isFifoHead(d, byKey.get(`${ep.id}\u0000${d.orderingKey}`) ?? [], ep.onDead)) continue;
      eligible.add(d.id);
    }
    if (eligible.size > 0) out.set(ep.id, { eligible, owed: Math.min(room, eligible.size) });
  }
  return out;
}
