import type { Op, Query } from '../sql/op.ts';
import type { DriveMode } from '../sql/shared.ts';
import type { PgDb, Queryable } from './db.ts';
import { notifyDue } from './notify.ts';

const numbered = new Map<string, string>();

/** `?` placeholders as PostgreSQL's `$1…$n` (shared SQL has no `?` inside literals or operators). */
function placeholders(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    if (numbered.size >= 2000) numbered.clear();
    numbered.set(sql, out);
  }
  return out;
}

/**
 * Runs a shared operation on what the caller holds: the pool, or its transaction's connection.
 * A failed statement is thrown into the operation, which may catch it (a savepoint's rollback).
 */
export async function runOp<T>(q: Queryable, op: Op<T>, channel?: string): Promise<T> {
  let step = op.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = await execute(q, step.value, channel);
    } catch (err) {
      step = op.throw(err);
      continue;
    }
    step = op.next(result);
  }
  return step.value;
}

async function execute(q: Queryable, ask: Query, channel: string | undefined): Promise<unknown> {
  if (ask.kind === 'all') return q.query(placeholders(ask.sql), [...ask.params]);
  if (ask.kind === 'run') return q.run(placeholders(ask.sql), [...ask.params]);
  if (ask.kind === 'lock') await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [ask.key]);
  else if (channel !== undefined) await notifyDue(q, channel);
  else throw new Error('a store operation asked to wake workers outside a transaction of the store');
  return undefined;
}

/**
 * Runs a shared store operation: `each` statement by statement on the pool
 * (autocommit), `atomic` and `durable` in one transaction on one connection.
 * Every PostgreSQL commit waits for the WAL flush (see PgDb.tx), so the two
 * transactional modes are one here.
 */
export function drivePostgres<T>(db: PgDb, op: Op<T>, mode: DriveMode): Promise<T> {
  return mode === 'each' ? runOp(db, op) : db.tx((tx) => runOp(tx, op, db.dueChannel));
}
