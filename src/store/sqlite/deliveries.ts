import type { Endpoint, Message } from '../records.ts';
import type { Backlog, LeasedDelivery, LeaseOptions } from '../store.ts';
import type { SqliteDb } from './db.ts';
import { saveHealth } from '../sql/endpoint-health.ts';
import { sqliteDialect as dialect } from '../sql/dialect.ts';
import { chooseLeases, loadHealth, readBusy, readMarks, skipStale, writeLeases } from '../sql/lease-pass.ts';
import { reclaimLeases as reclaimLeasesOp, releaseLeases as releaseLeasesOp } from '../sql/lease-return.ts';
import { runOp } from './drive.ts';
import type { StoreRules } from '../rules.ts';
import { endpointCandidates, windowCandidates } from './lease-candidates.ts';

/** Passes of one lease call that may follow a pass that skipped stale heads (their successors became heads). */
const STALE_ROUNDS = 8;
/**
 * Leases due deliveries. Candidates are read oldest-due first (a window of
 * the due queue, and past it per endpoint when the window holds too few: see
 * `lease-candidates.ts`); which of them go is decided in TypeScript
 * (`chooseLeases`: concurrency counted from the in-flight rows themselves,
 * throttle and breaker, the stale rule against the keys' marks), then written
 * in a few set-based statements (`writeLeases`). FIFO endpoints only offer the
 * head of each key (`FIFO_HEAD`), so one key never has two deliveries in
 * flight. The connection is the only writer, so nothing changes between the
 * reads and the writes of a round.
 */
export function leaseDue(db: SqliteDb, rules: StoreRules, o: LeaseOptions): LeasedDelivery[] {
  return db.tx(false, () => {
    const leased: LeasedDelivery[] = [];
    const gate = rules.leaseGate(o.now);
    const known = { messages: new Map<string, Message>(), endpoints: new Map<string, Endpoint>() };
    for (let round = 0; round < STALE_ROUNDS && leased.length < o.limit; round++) {
      const busy = runOp(db, readBusy(o.defaultConcurrency));
      // No more can be leased than the free slots of all endpoints together: with one busy
      // endpoint, reading four times the batch to lease the one slot a completion freed cost more
      // than the delivery (docs/benchmarks.md). Saturated endpoints' rows are skipped before the
      // joins; an endpoint that fills up during the round is skipped by the next round.
      if (busy.room <= 0) break;
      const wanted = Math.min(o.limit * 4, busy.room * 2);
      // The window is cheap and almost always enough; when it is full of what cannot go now (FIFO
      // non-heads, a saturated or disabled endpoint's backlog) and holds too few, every open endpoint
      // is read on its own, so nothing behind the window waits for it to drain (docs/reliability.md).
      const window = o.fullScan ? { rows: [], clipped: true } : windowCandidates(db, o, busy.saturated, wanted);
      const candidates =
        window.clipped && window.rows.length < wanted ? endpointCandidates(db, rules, o, busy.inFlight, wanted) : window.rows;
      if (candidates.length === 0) break;
      gate.preload(runOp(db, loadHealth(dialect, [...new Set(candidates.map((c) => c.endpointId))])));
      const marks = runOp(db, readMarks(dialect, candidates));
      const choice = chooseLeases(rules, gate, candidates, marks, busy.inFlight, { ...o, limit: o.limit - leased.length });
      runOp(db, skipStale(dialect, choice.skip, o.now));
      leased.push(...runOp(db, writeLeases(dialect, choice.picks, o, known)));
      // Another round when stale heads were skipped (their successors are heads now), or when
      // endpoints filled up mid-round while others may still have room.
      if (choice.skip.length === 0 && (choice.full === 0 || choice.picks.length === 0)) break;
    }
    runOp(db, saveHealth(rules, gate.updates(), o.now));
    return leased;
  });
}

export function releaseLeases(db: SqliteDb, rules: StoreRules, owner: string, ids: string[], now: number): void {
  db.tx(false, () => runOp(db, releaseLeasesOp(dialect, rules, owner, ids, now)));
}

/** `all`: every lease, for a process that holds the database alone and has just started. */
export function reclaimLeases(db: SqliteDb, rules: StoreRules, now: number, all: boolean): number {
  return db.tx(false, () => runOp(db, reclaimLeasesOp(dialect, rules, now, all)));
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
