import type { BulkAction } from '../store/bulk-jobs.ts';
import type { DeliveryState } from '../store/records.ts';

/** A retry gives failed deliveries one more attempt: the dead ones, and those waiting for their next retry. */
export const RETRYABLE: readonly DeliveryState[] = ['dead', 'scheduled'];
/** A replay sends again whatever has an outcome (or is waiting for a retry); pending and in-flight ones are on their way already. */
export const REPLAYABLE: readonly DeliveryState[] = ['succeeded', 'dead', 'skipped', 'scheduled'];

/** The delivery states a job of `action` touches: those asked for, checked, or the action's default. */
export function statusesFor(action: BulkAction, asked: string[] | undefined): { ok: DeliveryState[] } | { problem: string } {
  const allowed = action === 'retry' ? RETRYABLE : REPLAYABLE;
  if (asked === undefined) return { ok: action === 'retry' ? ['dead'] : [...REPLAYABLE] };
  if (asked.length === 0) return { problem: 'filter.status: must name at least one state' };
  const wrong = asked.filter((s) => !(allowed as readonly string[]).includes(s));
  if (wrong.length > 0) {
    return { problem: `filter.status: ${action} applies to ${allowed.join(', ')} deliveries (not ${wrong.join(', ')})` };
  }
  return { ok: [...new Set(asked)] as DeliveryState[] };
}

/**
 * The creation-time range of the deliveries, from ISO 8601 times. `until`
 * defaults to `now`, so a job never reaches deliveries made after it was asked for.
 */
export function timeRange(
  since: string | undefined,
  until: string | undefined,
  now: number,
): { ok: { since: number | null; until: number } } | { problem: string } {
  const parse = (field: string, text: string | undefined): number | null | string => {
    if (text === undefined) return null;
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? `filter.${field}: "${text}" is not an ISO 8601 time` : ms;
  };
  const from = parse('since', since);
  const to = parse('until', until);
  if (typeof from === 'string') return { problem: from };
  if (typeof to === 'string') return { problem: to };
  const end = to ?? now;
  if (from !== null && from >= end) return { problem: 'filter.since: must be before filter.until' };
  return { ok: { since: from, until: end } };
}
