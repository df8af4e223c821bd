import type { FlowCounts, FlowRow } from './console.ts';

export const HOUR = 3_600_000;

/** The same counts summed per hour (for `flow_hours`), pure. */
export function hourRows(rows: FlowRow[]): FlowRow[] {
  const out = new Map<string, FlowRow>();
  for (const r of rows) {
    const hour = r.minute - (r.minute % HOUR);
    const key = `${hour}\u0000${r.source}`;
    const have = out.get(key);
    if (!have) out.set(key, { ...r, minute: hour });
    else
      for (const k of ['received', 'verified', 'rejected', 'duplicates', 'delivered', 'failed', 'latencySumMs'] as const) have[k] += r[k];
  }
  return [...out.values()];
}

/** A window from `since` as the minutes of its first, partial hour and the whole hours after (the current one included). */
export function splitWindow(since: number): { minutesFrom: number; hoursFrom: number } {
  return { minutesFrom: since, hoursFrom: since % HOUR === 0 ? since : since - (since % HOUR) + HOUR };
}

/** The select list summing counter rows, the same in both dialects. */
export const FLOW_SUMS = `coalesce(sum(received), 0) AS received, coalesce(sum(verified), 0) AS verified, coalesce(sum(rejected), 0) AS rejected,
  coalesce(sum(duplicates), 0) AS duplicates, coalesce(sum(delivered), 0) AS delivered, coalesce(sum(failed), 0) AS failed,
  coalesce(sum(latency_sum_ms), 0) AS latency_sum_ms`;

/** A row of `FLOW_SUMS` as counts (PostgreSQL returns sums of bigints as text). */
export function toFlowCounts(r: Record<string, unknown> | undefined): FlowCounts {
  const n = (v: unknown): number => Number(v ?? 0);
  return {
    received: n(r?.received),
    verified: n(r?.verified),
    rejected: n(r?.rejected),
    duplicates: n(r?.duplicates),
    delivered: n(r?.delivered),
    failed: n(r?.failed),
    latencySumMs: n(r?.latency_sum_ms),
  };
}
