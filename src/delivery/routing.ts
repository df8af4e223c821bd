import type { Endpoint } from '../store/records.ts';

/**
 * Whether an event type matches a filter entry: exact, or with `*` standing for
 * one dotted segment (`invoice.*.failed`); a trailing `*` stands for one or more
 * segments, so `invoice.*` matches `invoice.paid` and `invoice.payment.failed`.
 */
export function typeMatches(pattern: string, eventType: string): boolean {
  if (pattern === eventType || pattern === '*') return true;
  if (!pattern.includes('*')) return false;
  const want = pattern.split('.');
  const have = eventType.split('.');
  for (let i = 0; i < want.length; i++) {
    const part = want[i];
    if (part === '*' && i === want.length - 1) return have.length > i;
    if (i >= have.length) return false;
    if (part !== '*' && part !== have[i]) return false;
  }
  return want.length === have.length;
}

/** Whether an endpoint takes a message: its type filter and channels, if any, match. */
export function endpointMatches(
  endpoint: Pick<Endpoint, 'filterTypes' | 'channels' | 'disabled'>,
  eventType: string | null,
  channels: string[] | null,
): boolean {
  if (endpoint.disabled) return false;
  if (endpoint.filterTypes && endpoint.filterTypes.length > 0) {
    if (eventType === null) return false;
    if (!endpoint.filterTypes.some((p) => typeMatches(p, eventType))) return false;
  }
  if (endpoint.channels && endpoint.channels.length > 0) {
    if (!channels || !channels.some((c) => endpoint.channels?.includes(c))) return false;
  }
  return true;
}
