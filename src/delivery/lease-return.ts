import type { ReturnedLease } from '../store/rules.ts';

export type { ReturnedLease } from '../store/rules.ts';

/**
 * The state a lease goes back to when it ends without a recorded attempt.
 *
 * - `released`: given back by its holder (a clean shutdown) before it sent
 *   anything, so only an earlier recorded attempt makes it a retry
 *   (`scheduled`); otherwise it is still `pending`.
 * - `reclaimed`: taken back after it expired, or from a process that is gone.
 *   Its attempt's outcome is unknown, so the receiver may have it: on a FIFO
 *   endpoint with a key it counts as attempted (`scheduled`) and so stays the
 *   head of its key, ahead of any lower sequence that arrived meanwhile
 *   (docs/ordering.md, "after a crash"); elsewhere pending until a recorded
 *   attempt.
 */
export function returnedState(lease: ReturnedLease, how: 'released' | 'reclaimed'): 'pending' | 'scheduled' {
  if (lease.attempts > 0) return 'scheduled';
  return how === 'reclaimed' && lease.fifo && lease.orderingKey !== null ? 'scheduled' : 'pending';
}
