import type { LeaseOptions } from '../store.ts';
import type { Queryable } from './db.ts';
import { num } from '../columns.ts';
import { FIFO_HEAD } from '../sql/fifo-head.ts';
import { CANDIDATE_COLUMNS as COLUMNS, type Candidate, toCandidate } from '../sql/lease-pass.ts';

/*
 * What differs from SQLite here is SKIP LOCKED: workers in other processes
 * share the queue, so each read locks its candidates and passes over rows
 * another leaser holds. FIFO heads (`FIFO_HEAD`) hold across processes because
 * the head is locked by whoever leases it and its successors see it pending
 * (or, once committed, in flight) in their own statement's snapshot; the pass
 * checks heads again under its endpoint locks (`deliveries.ts`).
 */

/**
 * The oldest due heads of the whole queue, locked with SKIP LOCKED. The walk
 * passes over FIFO non-heads, disabled or blocked endpoints and the backlog of
 * endpoints that were `saturated` when the pass began, inside the statement;
 * what it cannot pass over is the backlog of an endpoint that has a few free
 * slots only: `full` tells the caller the limit was reached.
 */
export async function queueCandidates(
  tx: Queryable,
  o: LeaseOptions,
  saturated: string[],
  limit: number,
): Promise<{ rows: Candidate[]; full: boolean }> {
  const rows = await tx.query(
    `SELECT ${COLUMNS}
    FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id LEFT JOIN endpoint_health h ON h.endpoint_id = d.endpoint_id
    WHERE d.state IN ('pending', 'scheduled') AND d.next_attempt_at <= $1 AND COALESCE(h.blocked_until, 0) <= $1 AND NOT e.disabled
      AND NOT (d.endpoint_id = ANY($3::text[])) AND ${FIFO_HEAD}
    ORDER BY d.next_attempt_at, d.id LIMIT $2 FOR UPDATE OF d SKIP LOCKED`,
    [o.now, limit, saturated],
  );
  return { rows: rows.map((r) => toCandidate(r, o)), full: rows.length >= limit };
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
export async function endpointCandidates(tx: Queryable, o: LeaseOptions, limit: number): Promise<Candidate[]> {
  const rows = await tx.query(
    `WITH open AS (${openEndpoints('$1', '$2')})
    SELECT c.* FROM open CROSS JOIN LATERAL (
      SELECT ${COLUMNS} FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
      WHERE d.endpoint_id = open.id AND d.state IN ('pending', 'scheduled') AND d.next_attempt_at <= $2 AND ${FIFO_HEAD}
      ORDER BY d.next_attempt_at, d.id LIMIT LEAST(open.room, $3) FOR UPDATE OF d SKIP LOCKED) c
    ORDER BY c.next_attempt_at, c.id LIMIT $3`,
    [o.defaultConcurrency, o.now, limit],
  );
  return rows.map((r) => toCandidate(r, o));
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
