import { newId } from '../ids.ts';
import type { AttemptRecord, Backlog, LeasedDelivery, LeaseOptions } from '../store.ts';
import { ENDPOINT_LOCK_CLASS, type PgDb, type Queryable } from './db.ts';
import { notifyDue } from './notify.ts';
import { toDelivery, toEndpoint, toMessage } from '../rows.ts';
import { num, numOrNull } from '../columns.ts';
import { loadHealth } from './endpoint-health.ts';
import { saveHealth } from '../sql/endpoint-health.ts';
import { runOp } from './drive.ts';
import { endpointCandidates, FIFO_HEAD, queueCandidates } from './lease-candidates.ts';
import type { StoreRules } from '../rules.ts';

/**
 * Leases due deliveries. Candidates are read oldest-due first (several times
 * the batch; past a saturated endpoint's backlog per endpoint, see
 * `lease-candidates.ts`) and locked with SKIP LOCKED, so workers in other processes take other
 * rows instead of waiting for these.
 *
 * Per-endpoint concurrency is counted from the in-flight rows, which is only
 * right if no other process is between its count and its commit for the same
 * endpoint: two workers would both see one free slot and both fill it. So the
 * count happens under a transaction-scoped advisory lock per endpoint, taken in
 * id order (no deadlock between two leasers), and in a statement that starts
 * after the lock is granted, whose snapshot therefore includes the previous
 * holder's committed leases. An advisory lock rather than `SELECT … FOR UPDATE`
 * on the endpoint row: the row lock would also block writes to the endpoint (a
 * 410 disabling it, a config sync) behind every lease pass, and the lock is
 * about the endpoint's in-flight set, not its row. Freeing slots (attempt
 * results, reclaims) needs no lock: a stale count only errs on the safe side.
 */
export async function leaseDue(db: PgDb, rules: StoreRules, o: LeaseOptions): Promise<LeasedDelivery[]> {
  const leased: LeasedDelivery[] = [];
  for (let round = 0; round < STALE_ROUNDS && leased.length < o.limit; round++) {
    let pass = await leasePass(db, rules, { ...o, limit: o.limit - leased.length }, o.fullScan ? 'endpoints' : 'queue');
    leased.push(...pass.leased);
    // The queue's head was full of what could not go (a saturated endpoint's backlog): read the
    // endpoints with room on their own, in a transaction of its own (its endpoint locks come in
    // one order again), so their deliveries do not wait for that backlog to drain.
    if (pass.starved && leased.length < o.limit) {
      const more = await leasePass(db, rules, { ...o, limit: o.limit - leased.length }, 'endpoints');
      leased.push(...more.leased);
      pass = { ...more, skippedStale: pass.skippedStale + more.skippedStale };
    }
    if (pass.skippedStale === 0) break;
  }
  return leased;
}

/** Passes of one lease call that may follow a pass that skipped stale heads (their successors became heads). */
const STALE_ROUNDS = 8;

interface Pass {
  leased: LeasedDelivery[];
  skippedStale: number;
  starved: boolean;
}

/** `queue`: the oldest due heads of the whole queue; `endpoints`: each open endpoint's own (`lease-candidates.ts`). */
async function leasePass(db: PgDb, rules: StoreRules, o: LeaseOptions, read: 'queue' | 'endpoints'): Promise<Pass> {
  return db.tx(async (tx) => {
    const found =
      read === 'queue' ? await queueCandidates(tx, o, o.limit * 4) : { rows: await endpointCandidates(tx, o, o.limit * 4), full: false };
    const candidates = found.rows;
    // Starved: the read was cut at its limit and yet too few could be leased.
    const starvedIf = (n: number): boolean => found.full && n < o.limit;
    const none = { leased: [], skippedStale: 0, starved: false };
    if (candidates.length === 0) return none;
    const endpointIds = [...new Set(candidates.map((c) => c.endpoint_id as string))];
    // Ordered by the lock key itself, so two leasers whose endpoints' hashes collide still lock in one order.
    await tx.query(
      `SELECT pg_advisory_xact_lock(${ENDPOINT_LOCK_CLASS}, k)
      FROM (SELECT DISTINCT hashtext(id) AS k FROM unnest($1::text[]) AS t(id) ORDER BY k) AS keys`,
      [endpointIds],
    );
    // The candidate statement's snapshot may predate another leaser's commit: two
    // workers could each see the other's pick still pending and both take a head
    // of one key (a late lower sequence beside the one already chosen). Under the
    // endpoint locks a new statement sees every earlier lease, so heads are
    // checked again here and only they go on.
    const keyedIds = candidates.filter((c) => c.fifo === true && c.ordering_key !== null).map((c) => c.id as string);
    const heads = new Set<string>();
    if (keyedIds.length > 0) {
      for (const row of await tx.query(
        `SELECT d.id FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
        WHERE d.id = ANY($1::text[]) AND d.state IN ('pending', 'scheduled') AND ${FIFO_HEAD}`,
        [keyedIds],
      ))
        heads.add(row.id as string);
    }
    const current = candidates.filter((c) => !(c.fifo === true && c.ordering_key !== null) || heads.has(c.id as string));
    // A head below the highest sequence delivered for its key is stale (read under the locks, like the heads).
    const keyed = current.filter((c) => c.fifo === true && c.ordering_key !== null && c.sequence !== null);
    const marks = new Map<string, number>();
    if (keyed.length > 0) {
      for (const m of await tx.query(
        `SELECT m.endpoint_id, m.ordering_key, m.last_sequence FROM ordering_marks m
        JOIN unnest($1::text[], $2::text[]) AS k(endpoint_id, ordering_key) ON m.endpoint_id = k.endpoint_id AND m.ordering_key = k.ordering_key`,
        [keyed.map((c) => c.endpoint_id), keyed.map((c) => c.ordering_key)],
      )) {
        marks.set(`${m.endpoint_id as string}\u0000${m.ordering_key as string}`, num(m.last_sequence));
      }
    }
    const isStale = (c: Record<string, unknown>): boolean => {
      if (c.fifo !== true || c.ordering_key === null || c.sequence === null) return false;
      const mark = marks.get(`${c.endpoint_id as string}\u0000${c.ordering_key as string}`);
      return mark !== undefined && mark > num(c.sequence);
    };
    const skip = current.filter((c) => isStale(c) && c.stale_policy !== 'deliver' && c.manual !== true).map((c) => c.id as string);
    if (skip.length > 0) {
      await tx.run(
        `UPDATE deliveries SET state = 'skipped', stale = true, skip_reason = 'stale', next_attempt_at = NULL, updated_at = $2
        WHERE id = ANY($1::text[])`,
        [skip, o.now],
      );
    }
    const skipped = new Set(skip);
    const rest = current.filter((c) => !skipped.has(c.id as string));
    if (rest.length === 0) return { leased: [], skippedStale: skip.length, starved: starvedIf(0) };
    const busy = new Map<string, number>();
    for (const row of await tx.query(
      `SELECT endpoint_id, count(*) AS n FROM deliveries
      WHERE state = 'in_flight' AND endpoint_id = ANY($1::text[]) GROUP BY endpoint_id`,
      [endpointIds],
    )) {
      busy.set(row.endpoint_id as string, num(row.n));
    }
    // Throttle slots and breaker state, read after the endpoint locks: the previous holder's changes are committed.
    const gate = rules.leaseGate(o.now);
    gate.preload(await loadHealth(tx, endpointIds));
    const ids: string[] = [];
    const expires: number[] = [];
    const stale: boolean[] = [];
    for (const c of rest) {
      if (ids.length >= o.limit) break;
      const endpointId = c.endpoint_id as string;
      const inFlight = busy.get(endpointId) ?? 0;
      if (inFlight >= num(c.cap)) continue;
      if (!gate.admit(endpointId, numOrNull(c.rate), num(c.timeout) + o.leaseGraceMs)) continue;
      busy.set(endpointId, inFlight + 1);
      ids.push(c.id as string);
      expires.push(o.now + num(c.timeout) + o.leaseGraceMs);
      stale.push(isStale(c));
    }
    await runOp(tx, saveHealth(rules, gate.updates(), o.now));
    if (ids.length === 0) return { leased: [], skippedStale: skip.length, starved: starvedIf(0) };
    const rows = await tx.query(
      `UPDATE deliveries d SET state = 'in_flight', lease_owner = $1, lease_expires_at = l.expires, stale = l.stale,
        updated_at = $2
      FROM unnest($3::text[], $4::bigint[], $5::boolean[]) AS l(id, expires, stale) WHERE d.id = l.id RETURNING d.*`,
      [o.owner, o.now, ids, expires, stale],
    );
    // The key's mark moves when the attempt starts, not when it succeeds: from now on the receiver
    // may have this sequence, so a lower one is stale even if this attempt's outcome is never known
    // (a crash) or it ends dead (docs/ordering.md). Under the endpoint locks; one row per key, in key order.
    await tx.run(
      `INSERT INTO ordering_marks (endpoint_id, ordering_key, last_sequence, updated_at)
      SELECT d.endpoint_id, d.ordering_key, max(d.sequence), $2 FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
      WHERE d.id = ANY($1::text[]) AND e.fifo AND d.ordering_key IS NOT NULL AND d.sequence IS NOT NULL
      GROUP BY d.endpoint_id, d.ordering_key ORDER BY d.endpoint_id, d.ordering_key
      ON CONFLICT (endpoint_id, ordering_key) DO UPDATE SET
        last_sequence = GREATEST(ordering_marks.last_sequence, excluded.last_sequence), updated_at = excluded.updated_at`,
      [ids, o.now],
    );
    const deliveries = rows.map(toDelivery).sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
    const messages = new Map(
      (await tx.query('SELECT * FROM messages WHERE id = ANY($1::text[])', [[...new Set(deliveries.map((d) => d.messageId))]])).map((r) => [
        r.id as string,
        toMessage(r),
      ]),
    );
    const endpoints = new Map(
      (await tx.query('SELECT * FROM endpoints WHERE id = ANY($1::text[])', [endpointIds])).map((r) => [r.id as string, toEndpoint(r)]),
    );
    const leased = deliveries.flatMap((delivery): LeasedDelivery[] => {
      const message = messages.get(delivery.messageId);
      const endpoint = endpoints.get(delivery.endpointId);
      if (!message || !endpoint) throw new Error(`delivery ${delivery.id} lost its message or endpoint`);
      return [{ delivery, message, endpoint, trigger: delivery.manual ? 'manual' : 'scheduled' }];
    });
    return { leased, skippedStale: skip.length, starved: starvedIf(leased.length) };
  });
}

/**
 * Attempts and their delivery transitions, many in one transaction and a few
 * set-based statements. The lease owner check keeps a late result (after the
 * lease was taken back, and maybe given to another worker) from moving a
 * delivery it no longer holds; the attempt itself is still recorded, because
 * it did happen. (One delivery appears at most once per batch: only its lease
 * holder records it, once.)
 */
export async function recordAttempts(db: PgDb, records: AttemptRecord[]): Promise<void> {
  if (records.length === 0) return;
  const col = <T>(f: (r: AttemptRecord) => T): T[] => records.map(f);
  await db.tx(async (tx) => {
    await tx.run(
      `INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, url, trigger, started_at, duration_ms,
        status, response_body, error, succeeded, request_headers, response_headers)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[],
        $9::int[], $10::int[], $11::text[], $12::text[], $13::boolean[], $14::jsonb[], $15::jsonb[])`,
      [
        col(() => newId('atmpt')),
        col((r) => r.deliveryId),
        col((r) => r.attempt.messageId),
        col((r) => r.attempt.endpointId),
        col((r) => r.attempt.appId),
        col((r) => r.attempt.url),
        col((r) => r.attempt.trigger),
        col((r) => r.attempt.startedAt),
        col((r) => r.attempt.durationMs),
        col((r) => r.attempt.status),
        col((r) => r.attempt.responseBody),
        col((r) => r.attempt.error),
        col((r) => r.attempt.succeeded),
        col((r) => (r.attempt.requestHeaders ? JSON.stringify(r.attempt.requestHeaders) : null)),
        col((r) => (r.attempt.responseHeaders ? JSON.stringify(r.attempt.responseHeaders) : null)),
      ],
    );
    await tx.run(
      `UPDATE deliveries d SET state = r.state, attempts = d.attempts + 1, next_attempt_at = r.next_at, lease_owner = NULL,
        lease_expires_at = NULL, manual = false, last_status = r.status, last_error = r.error, updated_at = r.updated_at,
        skip_reason = r.skip_reason
      FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::int[], $6::text[], $7::bigint[], $8::text[])
        AS r(id, owner, state, next_at, status, error, updated_at, skip_reason)
      WHERE d.id = r.id AND d.lease_owner = r.owner AND d.state = 'in_flight'`,
      [
        col((r) => r.deliveryId),
        col((r) => r.leaseOwner),
        col((r) => r.next.state),
        col((r) => (r.next.state === 'scheduled' ? r.next.at : null)),
        col((r) => r.attempt.status),
        col((r) => r.attempt.error),
        col((r) => r.attempt.startedAt + r.attempt.durationMs),
        col((r) => (r.next.state === 'skipped' ? r.next.reason : null)),
      ],
    );
    // Stale detection compares with the highest sequence delivered per (FIFO endpoint, key). One row per key
    // (an upsert may not touch a row twice), in key order so two recorders cannot deadlock; max() makes a repeat harmless.
    const succeeded = records.filter((r) => r.next.state === 'succeeded').map((r) => r.deliveryId);
    if (succeeded.length > 0) {
      await tx.run(
        `INSERT INTO ordering_marks (endpoint_id, ordering_key, last_sequence, updated_at)
        SELECT d.endpoint_id, d.ordering_key, max(d.sequence), $2 FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
        WHERE d.id = ANY($1::text[]) AND d.state = 'succeeded' AND e.fifo AND d.ordering_key IS NOT NULL AND d.sequence IS NOT NULL
        GROUP BY d.endpoint_id, d.ordering_key ORDER BY d.endpoint_id, d.ordering_key
        ON CONFLICT (endpoint_id, ordering_key) DO UPDATE SET
          last_sequence = GREATEST(ordering_marks.last_sequence, excluded.last_sequence), updated_at = excluded.updated_at`,
        [succeeded, Date.now()],
      );
    }
    const disable = records.filter((r) => r.disableEndpoint !== undefined);
    if (disable.length > 0) {
      await tx.run(
        `UPDATE endpoints e SET disabled = true, disabled_reason = x.reason, updated_at = $3
        FROM unnest($1::text[], $2::text[]) AS x(id, reason) WHERE e.id = x.id`,
        [disable.map((r) => r.attempt.endpointId), disable.map((r) => r.disableEndpoint), Date.now()],
      );
    }
  });
}

export async function releaseLeases(db: PgDb, owner: string, ids: string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  const released = await db.run(
    `UPDATE deliveries SET state = CASE WHEN attempts = 0 THEN 'pending' ELSE 'scheduled' END,
    next_attempt_at = $1, lease_owner = NULL, lease_expires_at = NULL, updated_at = $1
    WHERE id = ANY($2::text[]) AND lease_owner = $3 AND state = 'in_flight'`,
    [now, ids, owner],
  );
  // Given back at shutdown: another process's worker can take them now rather than at its next poll.
  if (released > 0) await notifyDue(db, db.dueChannel);
}

/**
 * Takes back leases past their expiry only: other processes share the
 * database, so a lease that has not expired may belong to a live worker.
 */
export async function reclaimExpiredLeases(db: PgDb, now: number): Promise<number> {
  // Its attempt's outcome is unknown, so the receiver may have it: on a FIFO endpoint with a key it
  // counts as attempted (`scheduled`) and stays the head of its key, ahead of lower sequences that
  // arrived meanwhile (docs/ordering.md, "after a crash"); elsewhere pending until a recorded attempt.
  const reclaimed = await db.run(
    `UPDATE deliveries d SET state = CASE WHEN d.attempts > 0 OR (d.ordering_key IS NOT NULL
      AND (SELECT e.fifo FROM endpoints e WHERE e.id = d.endpoint_id)) THEN 'scheduled' ELSE 'pending' END,
    next_attempt_at = $1, lease_owner = NULL, lease_expires_at = NULL, updated_at = $1
    WHERE d.state = 'in_flight' AND d.lease_expires_at < $1`,
    [now],
  );
  if (reclaimed > 0) await notifyDue(db, db.dueChannel);
  return reclaimed;
}

export async function backlog(db: Queryable): Promise<Backlog> {
  const out: Backlog = { pending: 0, scheduled: 0, inFlight: 0 };
  for (const row of await db.query(
    `SELECT state, count(*) AS n FROM deliveries WHERE state IN ('pending', 'scheduled', 'in_flight') GROUP BY state`,
  )) {
    const key = row.state === 'in_flight' ? 'inFlight' : (row.state as 'pending' | 'scheduled');
    out[key] = num(row.n);
  }
  return out;
}
