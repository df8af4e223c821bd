import type { Logger } from '../observability/logger.ts';
import type { FlowRow } from '../store/console.ts';
import type { Store } from '../store/store.ts';
import type { LiveBus } from './bus.ts';
import type { LiveEvent, LiveExtra } from './events.ts';

const MINUTE = 60_000;
/** Counter rows outlive the longest window (7 d) by a day, then go; so do expired console sessions. */
const KEEP_MS = 8 * 86_400_000;

/** Adds one event to the rows being gathered (pure: the caller owns the map). */
export function countEvent(rows: Map<string, FlowRow>, event: LiveEvent, extra: LiveExtra, now: number): void {
  const minute = now - (now % MINUTE);
  const key = `${minute}\u0000${extra.source}`;
  let row = rows.get(key);
  if (!row) {
    row = { minute, source: extra.source, received: 0, verified: 0, rejected: 0, duplicates: 0, delivered: 0, failed: 0, latencySumMs: 0 };
    rows.set(key, row);
  }
  if (event.type === 'ingest') {
    row.received++;
    if (event.decision === 'rejected') row.rejected++;
    else row.verified++;
    if (event.decision === 'duplicate') row.duplicates++;
  } else if (event.outcome === 'succeeded') {
    row.delivered++;
    row.latencySumMs += extra.latencyMs ?? 0;
  } else {
    row.failed++;
  }
}

function merge(into: Map<string, FlowRow>, rows: Iterable<[string, FlowRow]>): void {
  for (const [key, row] of rows) {
    const have = into.get(key);
    if (!have) into.set(key, row);
    else
      for (const k of ['received', 'verified', 'rejected', 'duplicates', 'delivered', 'failed', 'latencySumMs'] as const) have[k] += row[k];
  }
}

/**
 * Counts this process's ingest decisions and attempt outcomes per minute and
 * source, and adds them to the store every few seconds: the overview sums what
 * every process wrote, so three processes on PostgreSQL show all their traffic,
 * and the hot path only increments a number. A failed write keeps the counts
 * for the next one. Flushes and the hourly purge are periodic jobs
 * (src/gateway/maintenance.ts).
 */
export class FlowCounter {
  private rows = new Map<string, FlowRow>();
  private flushing: Promise<void> | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    bus: LiveBus,
    private readonly store: Store,
    private readonly owner: string,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.unsubscribe = bus.subscribe((event, extra) => {
      if (!extra.remote) countEvent(this.rows, event, extra, this.clock());
    });
  }

  /** Writes what was counted since the last write. */
  flush(): Promise<void> {
    this.flushing ??= (async () => {
      const rows = this.rows;
      if (rows.size === 0) return;
      this.rows = new Map();
      try {
        await this.store.addFlowCounts(this.owner, [...rows.values()]);
      } catch (err) {
        this.log.warn({ err, rows: rows.size }, 'console: could not store the flow counters; keeping them for the next try');
        merge(this.rows, rows);
      }
    })().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Removes counter rows past the longest window and expired console sessions. */
  async purge(now: number = this.clock()): Promise<void> {
    await this.store.purgeFlowCounts(now - KEEP_MS);
    await this.store.purgeConsoleSessions(now);
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    await this.flush();
  }
}
