import type { StaleHead } from '../store/rules.ts';

export type { StaleHead } from '../store/rules.ts';

/**
 * What a lease pass does with a FIFO head given the key's mark (the highest
 * sequence attempted for the key on the endpoint; it moves when an attempt
 * starts, so a crash or a dead end still counts, docs/ordering.md):
 * - `fresh`: not below the mark, or not ordered (not FIFO, no key or no sequence): send it;
 * - `skip`: below the mark, so stale, and the endpoint's `stalePolicy` skips stale ones;
 * - `marked`: stale but sent anyway, marked stale: the endpoint says `deliver`, or
 *   it is a manual replay, which is never skipped as stale.
 */
export function staleVerdict(head: StaleHead): 'fresh' | 'skip' | 'marked' {
  if (!head.fifo || head.orderingKey === null || head.sequence === null) return 'fresh';
  if (head.mark === null || head.mark <= head.sequence) return 'fresh';
  return head.stalePolicy === 'deliver' || head.manual ? 'marked' : 'skip';
}
