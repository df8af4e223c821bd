import { bool, num } from '../columns.ts';
import type { StoreRules } from '../rules.ts';
import type { SqlDialect } from './dialect.ts';
import { all, type Op, run } from './op.ts';

interface Returned {
  id: string;
  state: 'pending' | 'scheduled';
}

/** A condition on the rows to move, beside their being in flight, and its parameters. */
interface Guard {
  sql: string;
  params: unknown[];
}

/**
 * Writes the returned leases' states (decided by `StoreRules.returnedState`),
 * one statement per state. Each row is moved only if it is still in flight
 * and still passes the read's `guard`: a result recorded, or a lease taken
 * back by someone else, since the read wins.
 */
function* writeReturned(dialect: SqlDialect, returned: readonly Returned[], guard: Guard, now: number): Op<number> {
  let moved = 0;
  for (const state of ['pending', 'scheduled'] as const) {
    const of = returned.filter((r) => r.state === state);
    if (of.length === 0) continue;
    moved += yield* run(
      `UPDATE deliveries SET state = ?, next_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
      WHERE ${dialect.inList('id')} AND state = 'in_flight' AND ${guard.sql}`,
      [state, now, now, dialect.list(of.map((r) => r.id)), ...guard.params],
    );
  }
  return moved;
}

/** `owner` gives leases back without an attempt (shutdown): due again at once. Returns how many moved. */
export function* releaseLeases(dialect: SqlDialect, rules: StoreRules, owner: string, ids: string[], now: number): Op<number> {
  if (ids.length === 0) return 0;
  const rows = yield* all(
    `SELECT d.id, d.attempts, d.ordering_key, e.fifo FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
    WHERE ${dialect.inList('d.id')} AND d.lease_owner = ? AND d.state = 'in_flight'`,
    [dialect.list(ids), owner],
  );
  return yield* writeReturned(
    dialect,
    rows.map((r) => ({ id: r.id as string, state: rules.returnedState(returnedLease(r), 'released') })),
    { sql: 'lease_owner = ?', params: [owner] },
    now,
  );
}

/**
 * Takes back leases past their expiry (`all`: every lease, for a process that
 * holds the database alone and has just started). Reads the in-flight rows
 * (bounded by the endpoints' concurrency), decides in TypeScript, writes.
 */
export function* reclaimLeases(dialect: SqlDialect, rules: StoreRules, now: number, everyLease: boolean): Op<number> {
  const rows = yield* all(
    `SELECT d.id, d.attempts, d.ordering_key, e.fifo FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
    WHERE d.state = 'in_flight' AND (? OR d.lease_expires_at < ?)`,
    [everyLease, now],
  );
  const returned = rows.map((r) => ({ id: r.id as string, state: rules.returnedState(returnedLease(r), 'reclaimed') }));
  // Checked again in the write: a lease renewed or taken anew since the read may belong to a live worker.
  return yield* writeReturned(dialect, returned, { sql: '(? OR lease_expires_at < ?)', params: [everyLease, now] }, now);
}

const returnedLease = (r: Record<string, unknown>) => ({
  attempts: num(r.attempts),
  fifo: bool(r.fifo),
  orderingKey: (r.ordering_key as string | null) ?? null,
});
