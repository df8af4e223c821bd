import { newId } from '../ids.ts';
import type { Endpoint, Message } from '../records.ts';
import type { AttemptRecord, Backlog, LeasedDelivery, LeaseOptions } from '../store.ts';
import type { SqliteDb } from './db.ts';
import { loadHealth } from './endpoint-health.ts';
import { saveHealth } from '../sql/endpoint-health.ts';
import { runOp } from './drive.ts';
import type { StoreRules } from '../rules.ts';
import { endpointCandidates, windowCandidates } from './lease-candidates.ts';
import { toDelivery, toEndpoint, toMessage } from '../rows.ts';

/** Passes of one lease call that may follow a pass that skipped stale heads (their successors became heads). */
const STALE_ROUNDS = 8;
/**
 * Leases due deliveries. Candidates are read oldest-due first (a window of
 * the due queue, and past it per endpoint when the window holds too few: see
 * `lease-candidates.ts`), then taken while their endpoint has room under its concurrency, counted
 * from the in-flight rows themselves. FIFO endpoints only offer the head of
 * each key (`FIFO_HEAD`), so one key never has two deliveries in flight; a head
 * older than the last delivered sequence of its key is stale: skipped, or sent
 * marked (`stalePolicy`). A manual replay is never skipped as stale.
 */
export function leaseDue(db: SqliteDb, rules: StoreRules, o: LeaseOptions): LeasedDelivery[] {
  return db.tx(false, () => {
    const leased: LeasedDelivery[] = [];
    const gate = rules.leaseGate(o.now);
    const messages = new Map<string, Message>();
    const endpoints = new Map<string, Endpoint>();
    for (let round = 0; round < STALE_ROUNDS && leased.length < o.limit; round++) {
      const busy = new Map<string, number>();
      const saturated: string[] = [];
      let busyEnabled = 0;
      for (const row of db
        .stmt(`SELECT d.endpoint_id, count(*) AS n, COALESCE(e.concurrency, ?) AS cap, e.disabled
        FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id WHERE d.state = 'in_flight' GROUP BY d.endpoint_id`)
        .all(o.defaultConcurrency)) {
        busy.set(row.endpoint_id as string, row.n as number);
        if ((row.n as number) >= (row.cap as number)) saturated.push(row.endpoint_id as string);
        if (row.disabled === 0) busyEnabled += Math.min(row.n as number, row.cap as number);
      }
      // No more can be leased than the free slots of all endpoints together: with one busy
      // endpoint, reading four times the batch to lease the one slot a completion freed cost more
      // than the delivery (docs/benchmarks.md). Saturated endpoints' rows are skipped before the
      // joins; an endpoint that fills up during the round is skipped by the next round.
      const capacity = db
        .stmt('SELECT COALESCE(sum(COALESCE(concurrency, ?)), 0) AS cap FROM endpoints WHERE disabled = 0')
        .get(o.defaultConcurrency);
      const room = (capacity?.cap as number) - busyEnabled;
      if (room <= 0) break;
      const wanted = Math.min(o.limit * 4, room * 2);
      // The window is cheap and almost always enough; when it is full of what cannot go now (FIFO
      // non-heads, a saturated or disabled endpoint's backlog) and holds too few, every open endpoint
      // is read on its own, so nothing behind the window waits for it to drain (docs/reliability.md).
      const window = o.fullScan ? { rows: [], clipped: true } : windowCandidates(db, o, saturated, wanted);
      const candidates = window.clipped && window.rows.length < wanted ? endpointCandidates(db, rules, o, busy, wanted) : window.rows;
      if (candidates.length === 0) break;
      gate.preload(loadHealth(db, [...new Set(candidates.map((c) => c.endpoint_id as string))]));
      let skippedStale = 0;
      let skippedFull = 0;
      const before = leased.length;
      for (const c of candidates) {
        if (leased.length >= o.limit) break;
        const endpointId = c.endpoint_id as string;
        const inFlight = busy.get(endpointId) ?? 0;
        if (inFlight >= (c.cap as number)) {
          skippedFull++;
          continue;
        }
        const stale = c.fifo === 1 && isStale(db, endpointId, c.ordering_key as string | null, c.sequence as number | null);
        if (stale && c.stale_policy !== 'deliver' && c.manual !== 1) {
          db.stmt(`UPDATE deliveries SET state = 'skipped', stale = 1, skip_reason = 'stale', next_attempt_at = NULL, updated_at = ?
            WHERE id = ?`).run(o.now, c.id);
          skippedStale++;
          continue;
        }
        if (!gate.admit(endpointId, (c.rate as number | null) ?? null, (c.timeout as number) + o.leaseGraceMs)) continue;
        busy.set(endpointId, inFlight + 1);
        const row = db
          .stmt(`UPDATE deliveries SET state = 'in_flight', lease_owner = ?, lease_expires_at = ?, stale = ?, updated_at = ?
          WHERE id = ? RETURNING *`)
          .get(o.owner, o.now + (c.timeout as number) + o.leaseGraceMs, stale ? 1 : 0, o.now, c.id);
        if (!row) continue;
        // The key's mark moves when the attempt starts, not when it succeeds: from now on the
        // receiver may have this sequence, so a lower one is stale even if this attempt's outcome
        // is never known (a crash) or it ends dead (docs/ordering.md).
        if (c.fifo === 1 && c.ordering_key !== null && c.sequence !== null)
          raiseMark(db, endpointId, c.ordering_key as string, c.sequence as number, o.now);
        const delivery = toDelivery(row);
        let message = messages.get(delivery.messageId);
        if (!message) {
          message = toMessage(db.stmt('SELECT * FROM messages WHERE id = ?').get(delivery.messageId) as Record<string, unknown>);
          messages.set(message.id, message);
        }
        let endpoint = endpoints.get(endpointId);
        if (!endpoint) {
          endpoint = toEndpoint(db.stmt('SELECT * FROM endpoints WHERE id = ?').get(endpointId) as Record<string, unknown>);
          endpoints.set(endpointId, endpoint);
        }
        leased.push({ delivery, message, endpoint, trigger: delivery.manual ? 'manual' : 'scheduled' });
      }
      // Another round when stale heads were skipped (their successors are heads now), or when
      // endpoints filled up mid-round while others may still have room.
      if (skippedStale === 0 && (skippedFull === 0 || leased.length === before)) break;
    }
    runOp(db, saveHealth(rules, gate.updates(), o.now));
    return leased;
  });
}

function raiseMark(db: SqliteDb, endpointId: string, key: string, sequence: number, now: number): void {
  db.stmt(`INSERT INTO ordering_marks (endpoint_id, ordering_key, last_sequence, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (endpoint_id, ordering_key) DO UPDATE SET last_sequence = max(last_sequence, excluded.last_sequence), updated_at = excluded.updated_at`).run(
    endpointId,
    key,
    sequence,
    now,
  );
}

/** Whether `sequence` is below the highest one attempted for the key on the endpoint. */
function isStale(db: SqliteDb, endpointId: string, key: string | null, sequence: number | null): boolean {
  if (key === null || sequence === null) return false;
  const mark = db.stmt('SELECT last_sequence FROM ordering_marks WHERE endpoint_id = ? AND ordering_key = ?').get(endpointId, key);
  return mark !== undefined && (mark.last_sequence as number) > sequence;
}

/** Attempts and their delivery transitions, many in one transaction. */
export function recordAttempts(db: SqliteDb, records: AttemptRecord[]): void {
  db.tx(false, () => {
    for (const r of records) {
      const a = r.attempt;
      db.stmt(`INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, url, trigger, started_at, duration_ms,
        status, response_body, error, succeeded, request_headers, response_headers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        newId('atmpt'),
        r.deliveryId,
        a.messageId,
        a.endpointId,
        a.appId,
        a.url,
        a.trigger,
        a.startedAt,
        a.durationMs,
        a.status,
        a.responseBody,
        a.error,
        a.succeeded ? 1 : 0,
        a.requestHeaders ? JSON.stringify(a.requestHeaders) : null,
        a.responseHeaders ? JSON.stringify(a.responseHeaders) : null,
      );
      const nextAt = r.next.state === 'scheduled' ? r.next.at : null;
      // The lease owner check keeps a late result (after the lease was taken back) from moving a delivery it no longer holds.
      const moved = db
        .stmt(`UPDATE deliveries SET state = ?, attempts = attempts + 1, next_attempt_at = ?, lease_owner = NULL,
        lease_expires_at = NULL, manual = 0, last_status = ?, last_error = ?, updated_at = ?, skip_reason = ?
        WHERE id = ? AND lease_owner = ? AND state = 'in_flight'`)
        .run(
          r.next.state,
          nextAt,
          a.status,
          a.error,
          a.startedAt + a.durationMs,
          r.next.state === 'skipped' ? r.next.reason : null,
          r.deliveryId,
          r.leaseOwner,
        ).changes;
      // Stale detection compares with the highest sequence delivered per (FIFO endpoint, key).
      if (moved > 0 && r.next.state === 'succeeded') {
        db.stmt(`INSERT INTO ordering_marks (endpoint_id, ordering_key, last_sequence, updated_at)
          SELECT d.endpoint_id, d.ordering_key, d.sequence, ? FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
          WHERE d.id = ? AND e.fifo = 1 AND d.ordering_key IS NOT NULL AND d.sequence IS NOT NULL
          ON CONFLICT (endpoint_id, ordering_key) DO UPDATE SET
            last_sequence = max(last_sequence, excluded.last_sequence), updated_at = excluded.updated_at`).run(
          a.startedAt + a.durationMs,
          r.deliveryId,
        );
      }
      if (r.disableEndpoint !== undefined) {
        db.stmt('UPDATE endpoints SET disabled = 1, disabled_reason = ?, updated_at = ? WHERE id = ?').run(
          r.disableEndpoint,
          Date.now(),
          a.endpointId,
        );
      }
    }
  });
}

export function releaseLeases(db: SqliteDb, owner: string, ids: string[], now: number): void {
  db.tx(false, () => {
    for (const id of ids) {
      db.stmt(`UPDATE deliveries SET state = CASE WHEN attempts = 0 THEN 'pending' ELSE 'scheduled' END,
        next_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
        WHERE id = ? AND lease_owner = ? AND state = 'in_flight'`).run(now, now, id, owner);
    }
  });
}

/**
 * The state of a delivery whose lease is taken back (expired, or left by a
 * process that is gone): its attempt's outcome is unknown, so the receiver may
 * have it. On a FIFO endpoint with a key it counts as attempted (`scheduled`)
 * and so stays the head of its key, ahead of any lower sequence that arrived
 * meanwhile (docs/ordering.md, "after a crash"); elsewhere, as before, pending
 * until a recorded attempt.
 */
const RECLAIMED_STATE = `CASE WHEN attempts > 0 OR (ordering_key IS NOT NULL
  AND (SELECT fifo FROM endpoints e WHERE e.id = deliveries.endpoint_id) = 1) THEN 'scheduled' ELSE 'pending' END`;

/** `all`: every lease, for a process that holds the database alone and has just started. */
export function reclaimLeases(db: SqliteDb, now: number, all: boolean): number {
  return db.tx(
    false,
    () =>
      db
        .stmt(`UPDATE deliveries SET state = ${RECLAIMED_STATE},
      next_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
      WHERE state = 'in_flight' AND (? = 1 OR lease_expires_at < ?)`)
        .run(now, now, all ? 1 : 0, now).changes,
  );
}

export function backlog(db: SqliteDb): Backlog {
  const out: Backlog = { pending: 0, scheduled: 0, inFlight: 0 };
  // Grouped in the order of the (endpoint_id, state) index and summed here: a plain GROUP BY state
  // sorts every row in a temporary b-tree, which at a backlog of 1,000,000 held ~40 MiB and
  // took twice as long (docs/benchmarks.md, backlog RSS).
  for (const row of db
    .stmt(`SELECT state, count(*) AS n FROM deliveries WHERE state IN ('pending', 'scheduled', 'in_flight')
    GROUP BY endpoint_id, state`)
    .all()) {
    const key = row.state === 'in_flight' ? 'inFlight' : (row.state as 'pending' | 'scheduled');
    out[key] += row.n as number;
  }
  return out;
}
