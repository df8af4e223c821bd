import type { KeyedDelivery, StoreRules } from '../rules.ts';
import type { OnDeadPolicy } from '../records.ts';
import type { LeaseOptions } from '../store.ts';
import type { SqliteDb } from './db.ts';
import { FIFO_HEAD } from '../sql/fifo-head.ts';
import { CANDIDATE_COLUMNS as COLUMNS, type Candidate, toCandidate } from '../sql/lease-pass.ts';

/**
 * The fast read looks at most this many times its batch of the oldest due
 * deliveries. It bounds the work of a pass when a saturated endpoint's backlog
 * fills the head of the queue; when the window holds fewer candidates than
 * wanted, `endpointCandidates` looks past it.
 */
const SCAN_FACTOR = 8;

/**
 * The oldest due deliveries within a window of the due queue, less those of
 * saturated, disabled or blocked endpoints and FIFO non-heads. `clipped`: the
 * window was full, so candidates may wait behind it.
 */
export function windowCandidates(
  db: SqliteDb,
  o: LeaseOptions,
  saturated: string[],
  wanted: number,
): { rows: Candidate[]; clipped: boolean } {
  const bound = o.limit * SCAN_FACTOR;
  const rows = db
    .stmt(`SELECT ${COLUMNS}
    FROM (SELECT rowid AS rid FROM deliveries WHERE state IN ('pending', 'scheduled') AND next_attempt_at <= ?
      ORDER BY next_attempt_at LIMIT ?) AS due
    JOIN deliveries d ON d.rowid = due.rid JOIN endpoints e ON e.id = d.endpoint_id LEFT JOIN endpoint_health h ON h.endpoint_id = d.endpoint_id
    WHERE d.endpoint_id NOT IN (SELECT value FROM json_each(?)) AND COALESCE(h.blocked_until, 0) <= ? AND e.disabled = 0 AND ${FIFO_HEAD}
    ORDER BY d.next_attempt_at LIMIT ?`)
    .all(o.now, bound, JSON.stringify(saturated), o.now, wanted)
    .map((r) => toCandidate(r, o));
  if (rows.length >= wanted) return { rows, clipped: false };
  const seen = db
    .stmt(`SELECT count(*) AS n FROM (SELECT 1 FROM deliveries WHERE state IN ('pending', 'scheduled') AND next_attempt_at <= ?
    LIMIT ?)`)
    .get(o.now, bound);
  return { rows, clipped: (seen?.n as number) >= bound };
}

/**
 * Every endpoint that may send now (enabled, not held by its breaker or
 * throttle, below its concurrency) with its free slots and FIFO settings.
 */
function openEndpoints(db: SqliteDb, now: number, defaultConcurrency: number, busy: Map<string, number>): OpenEndpoint[] {
  return db
    .stmt(`SELECT e.id, e.fifo, e.on_dead, COALESCE(e.concurrency, ?) AS cap FROM endpoints e
    LEFT JOIN endpoint_health h ON h.endpoint_id = e.id WHERE e.disabled = 0 AND COALESCE(h.blocked_until, 0) <= ?`)
    .all(defaultConcurrency, now)
    .map((r) => ({
      id: r.id as string,
      fifo: r.fifo === 1,
      onDead: r.on_dead as OnDeadPolicy,
      room: (r.cap as number) - (busy.get(r.id as string) ?? 0),
    }))
    .filter((r) => r.room > 0);
}

interface OpenEndpoint {
  id: string;
  fifo: boolean;
  onDead: OnDeadPolicy;
  room: number;
}

/** The open rows of a key, as the head rule reads them (`deliveries_open_by_key`, migration 011). */
const OPEN_BY_KEY = `state IN ('pending', 'scheduled', 'in_flight', 'dead')`;

/**
 * The due heads of a FIFO endpoint's keys, found key by key rather than row by
 * row: a key's head is decided by the first open row of each state in the
 * key's order (`delivery/fifo-head.ts` on at most four rows), so a key with a
 * long backlog behind a head in flight costs a few index probes, not a walk
 * of its backlog. Keys are visited in order.
 */
function fifoHeads(db: SqliteDb, rules: StoreRules, ep: OpenEndpoint, now: number, limit: number): string[] {
  const heads: Array<{ id: string; due: number }> = [];
  const firstOf = db.stmt(`SELECT id, state, sequence, created_at, next_attempt_at FROM deliveries
    WHERE endpoint_id = ? AND ordering_key = ? AND ${OPEN_BY_KEY} AND state = ? ORDER BY COALESCE(sequence, created_at), id LIMIT 1`);
  const firstKey = db.stmt(`SELECT ordering_key FROM deliveries WHERE endpoint_id = ? AND ordering_key IS NOT NULL AND ${OPEN_BY_KEY}
    ORDER BY ordering_key LIMIT 1`);
  const nextKey = db.stmt(`SELECT ordering_key FROM deliveries WHERE endpoint_id = ? AND ordering_key > ? AND ${OPEN_BY_KEY}
    ORDER BY ordering_key LIMIT 1`);
  const states = ep.onDead === 'block' ? ['in_flight', 'scheduled', 'pending', 'dead'] : ['in_flight', 'scheduled', 'pending'];
  for (
    let key = firstKey.get(ep.id)?.ordering_key as string | undefined;
    key !== undefined;
    key = nextKey.get(ep.id, key)?.ordering_key as string | undefined
  ) {
    const rows = states
      .map((state) => firstOf.get(ep.id, key, state))
      .filter((r) => r !== undefined)
      .map((r) => ({
        id: r.id as string,
        state: r.state as KeyedDelivery['state'],
        sequence: (r.sequence as number | null) ?? null,
        createdAt: r.created_at as number,
        due: (r.next_attempt_at as number | null) ?? null,
      }));
    const head = rows.find((r) => (r.state === 'scheduled' || r.state === 'pending') && rules.isFifoHead(r, rows, ep.onDead));
    if (head && head.due !== null && head.due <= now) heads.push({ id: head.id, due: head.due });
  }
  // Every key is visited, then the oldest due heads taken: the keys first in key order get no preference.
  return heads
    .sort((a, b) => a.due - b.due)
    .slice(0, limit)
    .map((h) => h.id);
}

/**
 * The oldest due candidates of each open endpoint, up to its free slots (and
 * `wanted`): on a plain endpoint through the per-endpoint due index; on a FIFO
 * endpoint the due heads of its keys (`fifoHeads`) and its unkeyed due
 * deliveries. Nothing of another endpoint, and no non-head, can stand in the
 * way: the liveness invariant of docs/reliability.md. Oldest due first across
 * endpoints.
 */
export function endpointCandidates(
  db: SqliteDb,
  rules: StoreRules,
  o: LeaseOptions,
  busy: Map<string, number>,
  wanted: number,
): Candidate[] {
  const rows: Candidate[] = [];
  for (const ep of openEndpoints(db, o.now, o.defaultConcurrency, busy)) {
    const limit = Math.min(ep.room, wanted);
    if (!ep.fifo) {
      rows.push(
        ...db
          .stmt(`SELECT ${COLUMNS} FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
        WHERE d.endpoint_id = ? AND d.state IN ('pending', 'scheduled') AND d.next_attempt_at <= ?
        ORDER BY d.next_attempt_at LIMIT ?`)
          .all(ep.id, o.now, limit)
          .map((r) => toCandidate(r, o)),
      );
      continue;
    }
    const ids = fifoHeads(db, rules, ep, o.now, limit);
    // Unkeyed deliveries of a FIFO endpoint are not ordered; read through the key index, past no keyed row
    // (the unary + keeps the planner off the due index, which would walk the keyed backlog to find them).
    rows.push(
      ...db
        .stmt(`SELECT ${COLUMNS} FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
      WHERE d.endpoint_id = ? AND d.ordering_key IS NULL AND d.${OPEN_BY_KEY} AND d.state IN ('pending', 'scheduled') AND +d.next_attempt_at <= ?
      LIMIT ?`)
        .all(ep.id, o.now, limit)
        .map((r) => toCandidate(r, o)),
    );
    if (ids.length > 0) {
      rows.push(
        ...db
          .stmt(`SELECT ${COLUMNS} FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
        WHERE d.id IN (SELECT value FROM json_each(?))`)
          .all(JSON.stringify(ids))
          .map((r) => toCandidate(r, o)),
      );
    }
  }
  return rows.sort((a, b) => a.due - b.due).slice(0, wanted);
}

/**
 * How many deliveries the liveness invariant says must be leasable now: due,
 * on an open endpoint, FIFO heads. A full scan, for the worker's stall check
 * only (not per pass).
 */
export function countLeasable(db: SqliteDb, now: number, defaultConcurrency: number): number {
  const busy = new Map<string, number>();
  for (const row of db.stmt(`SELECT endpoint_id, count(*) AS n FROM deliveries WHERE state = 'in_flight' GROUP BY endpoint_id`).all()) {
    busy.set(row.endpoint_id as string, row.n as number);
  }
  let n = 0;
  for (const ep of openEndpoints(db, now, defaultConcurrency, busy)) {
    // Independent of the pass's own reads: every due row of the endpoint checked with the SQL rule.
    const row = db
      .stmt(`SELECT count(*) AS n FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
      WHERE d.endpoint_id = ? AND d.state IN ('pending', 'scheduled') AND d.next_attempt_at <= ? AND ${FIFO_HEAD}`)
      .get(ep.id, now);
    n += Math.min(row?.n as number, ep.room);
  }
  return n;
}
