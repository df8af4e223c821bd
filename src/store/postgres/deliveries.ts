import type { Backlog, LeasedDelivery, LeaseOptions } from '../store.ts';
import { ENDPOINT_LOCK_CLASS, type PgDb, type Queryable } from './db.ts';
import { notifyDue } from './notify.ts';
import { num } from '../columns.ts';
import { saveHealth } from '../sql/endpoint-health.ts';
import { postgresDialect as dialect } from '../sql/dialect.ts';
import { FIFO_HEAD } from '../sql/fifo-head.ts';
import { chooseLeases, loadHealth, readBusy, readInFlight, readMarks, skipStale, writeLeases } from '../sql/lease-pass.ts';
import { reclaimLeases as reclaimLeasesOp, releaseLeases as releaseLeasesOp } from '../sql/lease-return.ts';
import { runOp } from './drive.ts';
import { endpointCandidates, queueCandidates } from './lease-candidates.ts';
import type { StoreRules } from '../rules.ts';

/**
 * Leases due deliveries. Candidates are read oldest-due first (twice what can
 * go; past the backlog of endpoints that are saturated; per endpoint when the
 * queue's head holds too few, see `lease-candidates.ts`) and locked with SKIP
 * LOCKED, so workers in other processes take other rows instead of waiting for
 * these. Which go is decided in TypeScript (`chooseLeases`) and written in a
 * few set-based statements, like SQLite's; what differs is the locking below.
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
    const none = { leased: [], skippedStale: 0, starved: false };
    // Read before the endpoint locks, so an estimate: it only bounds what the pass reads and whose
    // backlog the queue read passes over; the counts that decide are read again under the locks.
    const busy = await runOp(tx, readBusy(o.defaultConcurrency));
    if (busy.room <= 0) return none;
    // Twice what can go at most (the batch, the free slots of all endpoints together): the margin
    // covers candidates the pass drops (a head taken meanwhile, a throttle, an endpoint filling up);
    // a read cut at its limit that still leases too few falls back to the per-endpoint read.
    const target = Math.min(o.limit, busy.room);
    const wanted = target * 2;
    const found =
      read === 'queue'
        ? await queueCandidates(tx, o, busy.saturated, wanted)
        : { rows: await endpointCandidates(tx, o, wanted), full: false };
    const candidates = found.rows;
    // Starved: the read was cut at its limit and yet too few could be leased.
    const starvedIf = (n: number): boolean => found.full && n < target;
    if (candidates.length === 0) return none;
    const endpointIds = [...new Set(candidates.map((c) => c.endpointId))];
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
    const keyedIds = candidates.filter((c) => c.fifo && c.orderingKey !== null).map((c) => c.id);
    const heads = new Set<string>();
    if (keyedIds.length > 0) {
      for (const row of await tx.query(
        `SELECT d.id FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
        WHERE d.id = ANY($1::text[]) AND d.state IN ('pending', 'scheduled') AND ${FIFO_HEAD}`,
        [keyedIds],
      ))
        heads.add(row.id as string);
    }
    const current = candidates.filter((c) => !(c.fifo && c.orderingKey !== null) || heads.has(c.id));
    // Marks, in-flight counts, throttle slots and breaker state, all read under the endpoint
    // locks: the previous holder's leases and changes are committed.
    const marks = await runOp(tx, readMarks(dialect, current));
    const inFlight = await runOp(tx, readInFlight(dialect, endpointIds));
    const gate = rules.leaseGate(o.now);
    gate.preload(await runOp(tx, loadHealth(dialect, endpointIds)));
    const choice = chooseLeases(rules, gate, current, marks, inFlight, o);
    await runOp(tx, skipStale(dialect, choice.skip, o.now));
    await runOp(tx, saveHealth(rules, gate.updates(), o.now));
    const leased = await runOp(tx, writeLeases(dialect, choice.picks, o));
    return { leased, skippedStale: choice.skip.length, starved: starvedIf(leased.length) };
  });
}

export async function releaseLeases(db: PgDb, rules: StoreRules, owner: string, ids: string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  const released = await db.tx((tx) => runOp(tx, releaseLeasesOp(dialect, rules, owner, ids, now)));
  // Given back at shutdown: another process's worker can take them now rather than at its next poll.
  if (released > 0) await notifyDue(db, db.dueChannel);
}

/**
 * Takes back leases past their expiry only: other processes share the
 * database, so a lease that has not expired may belong to a live worker.
 */
export async function reclaimExpiredLeases(db: PgDb, rules: StoreRules, now: number): Promise<number> {
  const reclaimed = await db.tx((tx) => runOp(tx, reclaimLeasesOp(dialect, rules, now, false)));
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
