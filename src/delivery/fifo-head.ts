import type { OnDeadPolicy } from '../store/records.ts';
import type { KeyedDelivery } from '../store/rules.ts';

export type { KeyedDelivery } from '../store/rules.ts';

/** A keyed message without a sequence is ordered by its arrival. */
const rank = (d: KeyedDelivery): number => d.sequence ?? d.createdAt;

/** Whether `p` comes before `d` in the key's order: (sequence or arrival, then id). */
function before(p: KeyedDelivery, d: KeyedDelivery): boolean {
  return rank(p) < rank(d) || (rank(p) === rank(d) && p.id < d.id);
}

/**
 * Whether `d` (pending or scheduled) is the head of its key among `key`, the
 * key's other deliveries on the same endpoint, so it may be leased. Held back by:
 * - anything of the key in flight (one at a time per key);
 * - an attempted (`scheduled`) delivery while `d` is unattempted: the receiver may
 *   have processed that attempt, so a late lower sequence must not overtake it;
 * - one in the same state before it in the key's order;
 * - with `onDead: block`, a dead one before it.
 * The stores evaluate the same rule in SQL, written once (`store/sql/fifo-head.ts`, FIFO_HEAD).
 */
export function isFifoHead(d: KeyedDelivery, key: readonly KeyedDelivery[], onDead: OnDeadPolicy): boolean {
  return !key.some(
    (p) =>
      p.id !== d.id &&
      (p.state === 'in_flight' ||
        (p.state === 'scheduled' && d.state === 'pending') ||
        ((p.state === d.state || (p.state === 'dead' && onDead === 'block')) && before(p, d))),
  );
}
