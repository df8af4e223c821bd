import type { FastifyInstance } from 'fastify';
import type { Backlog, Store } from '../../store/store.ts';
import { rejectBadQuery } from './bad-query.ts';

/** The overview's windows and the width of their chart's buckets. */
export const WINDOWS = {
  '5m': { ms: 5 * 60_000, bucketMs: 60_000 },
  '1h': { ms: 3_600_000, bucketMs: 60_000 },
  '24h': { ms: 86_400_000, bucketMs: 5 * 60_000 },
  '7d': { ms: 7 * 86_400_000, bucketMs: 3_600_000 },
} as const;
export type WindowName = keyof typeof WINDOWS;

/** How long a queue depth is reused: counting a backlog of a million is work, and the console asks every few seconds. */
const QUEUE_CACHE_MS = 5_000;

/** Every bucket of the window, oldest first, zeros where nothing was counted (pure). */
export function fillSeries(
  points: Array<{ minute: number; received: number; delivered: number; failed: number }>,
  since: number,
  now: number,
  bucketMs: number,
) {
  const byBucket = new Map(points.map((p) => [p.minute, p]));
  const out: Array<{ at: number; received: number; delivered: number; failed: number }> = [];
  for (let at = since - (since % bucketMs); at <= now; at += bucketMs) {
    const p = byBucket.get(at);
    out.push({ at, received: p?.received ?? 0, delivered: p?.delivered ?? 0, failed: p?.failed ?? 0 });
  }
  return out;
}

/**
 * `GET /stats/overview?window=5m|1h|24h|7d`: the console's counters, chart and
 * queue, from what every process wrote (per-minute counter rows, summed), so
 * the answer costs the same with a million messages as with none.
 */
export async function overviewRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  // Stale-while-revalidate: an answer older than QUEUE_CACHE_MS is served once more while a fresh
  // count runs, so only the very first overview of a process waits for a count.
  let queue: { at: number; value: { backlog: Backlog; dueAt: number | null } } | undefined;
  let counting: Promise<{ backlog: Backlog; dueAt: number | null }> | undefined;
  const count = () => {
    counting ??= Promise.all([store.backlog(), store.nextDueAt()])
      .then(([backlog, dueAt]) => {
        queue = { at: Date.now(), value: { backlog, dueAt } };
        return queue.value;
      })
      .finally(() => {
        counting = undefined;
      });
    return counting;
  };
  const queueNow = async (now: number) => {
    if (!queue) return count();
    if (now - queue.at > QUEUE_CACHE_MS) count().catch(() => undefined);
    return queue.value;
  };

  app.get<{ Querystring: { window: WindowName } }>(
    '/stats/overview',
    {
      attachValidation: true,
      schema: {
        querystring: {
          type: 'object',
          properties: { window: { type: 'string', enum: Object.keys(WINDOWS), default: '1h' } },
          additionalProperties: false,
        },
      },
    },
    async (req) => {
      rejectBadQuery(req);
      const name = req.query.window;
      const w = WINDOWS[name];
      const now = Date.now();
      const since = now - w.ms;
      const [totals, series, q] = await Promise.all([
        store.flowTotals(since - (since % 60_000)),
        store.flowSeries(since - (since % w.bucketMs), w.bucketMs),
        queueNow(now),
      ]);
      const { latencySumMs, ...counters } = totals;
      return {
        window: name,
        since: new Date(since).toISOString(),
        counters,
        avgIngestToDeliveredMs: totals.delivered > 0 ? Math.round(latencySumMs / totals.delivered) : null,
        series: {
          bucketMs: w.bucketMs,
          points: fillSeries(series, since, now, w.bucketMs).map((p) => ({ ...p, at: new Date(p.at).toISOString() })),
        },
        queue: {
          depth: q.backlog.pending + q.backlog.scheduled + q.backlog.inFlight,
          ...q.backlog,
          /** How long the most overdue delivery has been waiting past its due time. */
          oldestPendingAgeMs: q.dueAt !== null && q.dueAt < now ? now - q.dueAt : 0,
        },
      };
    },
  );
}
