import type { LeaseOptions } from '../store.ts';
import type { Queryable, Row } from './db.ts';
import { THROTTLE_RATE } from './endpoint-health.ts';
import { num } from '../columns.ts';

/**
 * FIFO endpoints only offer the head of each (endpoint, ordering key): a
 * delivery is held back by anything of its key in flight, waiting with a lower
 * (sequence, arrival), or dead below it under `onDead: block`; an attempted
 * one (`scheduled`) goes before any unattempted one (see the SQLite twin and
 * `delivery/fifo-head.ts`). Across processes this holds because the head is
 * locked (SKIP LOCKED) by whoever leases it, and its successors see it pending
 * (or, once committed, in flight) in their own statement's snapshot. See
 * docs/ordering.md.
 */
export const FIFO_HEAD = `(NOT e.fifo OR d.ordering_key IS NULL OR NOT EXISTS (
  SELECT 1 FROM deliveries p WHERE p.endpoint_id = d.endpoint_id AND p.ordering_key = d.ordering_key AND p.id <> d.id
    AND (p.state = 'in_flight'
      OR (p.state = 'scheduled' AND d.state = 'pending')
      OR ((p.state = d.state OR (p.state = 'dead' AND e.on_dead = 'block'))
        AND (COALESCE(p.sequence, p.created_at) < COALESCE(d.sequence, d.created_at)
          OR (COALESCE(p.sequence, p.created_at) = COALESCE(d.sequence, d.created_at) AND p.id < d.id))))))`;

const COLUMNS = `d.id, d.endpoint_id, d.ordering_key, d.sequence, d.manual, d.next_attempt_at, e.fifo, e.stale_policy,
  COALESCE(e.concurrency, $1) AS cap, COALESCE(e.timeout_ms, $2) AS timeout, ${THROTTLE_RATE} AS rate`;

/**
 * The oldest due heads of the whole queue, locked with SKIP LOCKED. The walk
 * passes over FIFO non-heads and disabled or blocked endpoints inside the
 * statement; what it cannot pass over is a saturated endpoint's backlog, whose
 * rows are heads: `full` tells the caller the limit was reached.
 */
export async function queueCandidates(tx: Queryable, o: LeaseOptions, limit: number): Promise<{ rows: Row[]; full: boolean }> {
  const rows = await tx.query(
    `SELECT ${COLUMNS}
    FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id LEFT JOIN endpoint_health h ON h.endpoint_id = d.endpoint_id
    WHERE d.state IN ('pending', 'scheduled') AND d.next_attempt_at <= $3 AND COALESCE(h.blocked_until, 0) <= $3 AND NOT e.disabled
      AND ${FIFO_HEAD}
    ORDER BY d.next_attempt_at, d.id LIMIT $4 FOR UPDATE OF d SKIP LOCKED`,
    [o.defaultConcurrency, o.defaultTimeoutMs, o.now, limit],
  );
  return { rows, full: rows.length >= limit };
}

/** Every endpoint that may send now (enabled, not held by breaker or throttle, below its concurrency) with its free slots. */
const openEndpoints = (
  concurrency: string,
  now: string,
): string => `SELECT e.id, COALESCE(e.concurrency, ${concurrency}) - COALESCE(f.n, 0) AS room
  FROM endpoints e LEFT JOIN endpoint_health h ON h.endpoint_id = e.id
  LEFT JOIN (SELECT endpoint_id, count(*) AS n FROM deliveries WHERE state = 'in_flight' GROUP BY endpoint_id) f ON f.endpoint_id = e.id
  WHERE NOT e.disabled AND COALESCE(h.blocked_until, 0) <= ${now} AND COALESCE(e.concurrency, ${concurrency}) - COALESCE(f.n, 0) > 0`;

/**
 * The oldest due heads of each open endpoint, up to its free slots (read
 * before the endpoint locks, so an estimate the pass checks again), through
 * the per-endpoint due index and locked with SKIP LOCKED: nothing of another
 * endpoint stands in the way. The liveness invariant of docs/reliability.md.
 */
export async function endpointCandidates(tx: Queryable, o: LeaseOptions, limit: number): Promise<Row[]> {
  return tx.query(
    `WITH open AS (${openEndpoints('$1', '$3')})
    SELECT c.* FROM open CROSS JOIN LATERAL (
      SELECT ${COLUMNS} FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
      WHERE d.endpoint_id = open.id AND d.state IN ('pending', 'scheduled') AND d.next_attempt_at <= $3 AND ${FIFO_HEAD}
      ORDER BY d.next_attempt_at, d.id LIMIT LEAST(open.room, $4) FOR UPDATE OF d SKIP LOCKED) c
    ORDER BY c.next_attempt_at, c.id LIMIT $4`,
    [o.defaultConcurrency, o.defaultTimeoutMs, o.now, limit],
  );
}

/**
 * How many deliveries the liveness invariant says must be leasable now: due,
 * on an open endpoint, FIFO heads (counted up to each endpoint's free slots).
 * A full scan, for the worker's stall check only.
 */
export async function countLeasable(db: Queryable, now: number, defaultConcurrency: number): Promise<number> {
  const [row] = await db.query(
    `WITH open AS (${openEndpoints('$1', '$2')})
    SELECT COALESCE(sum(LEAST(open.room, c.n)), 0) AS n FROM open CROSS JOIN LATERAL (
      SELECT count(*) AS n FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
      WHERE d.endpoint_id = open.id AND d.state IN ('pending', 'scheduled') AND d.next_attempt_at <= $2 AND ${FIFO_HEAD}) c`,
    [defaultConcurrency, now],
  );
  return num(row?.n);
}
