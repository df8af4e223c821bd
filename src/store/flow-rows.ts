import type { FlowRow } from './console.ts';

export const HOUR = 3_600_000;

/** The same counts summed per hour (for `flow_hours`), pure. */
export function hourRows(rows: FlowRow[]): FlowRow[] {
  const out = new Map<string, FlowRow>();
  for (const r of rows) {
    const hour = r.minute - (r.minute % HOUR);
    const key = `${hour}\u0000${r.source}`;
    const have = out.get(key);
    if (!have) out.set(key, { ...r, minute: hour });
    else for (const k of ['received', 'verified', 'rejected', 'duplicates', 'delivered', 'failed', 'latencySumMs'] as const) have[k] += r[k];
  }
  return [...out.values()];
}

/** A window from `since` as the minutes of its first, partial hour and the whole hours after (the current one included). */
export function splitWindow(since: number): { minutesFrom: number; hoursFrom: number } {
  return { minutesFrom: since, hoursFrom: since % HOUR === 0 ? since : since - (since % HOUR) + HOUR };
}
