import type { Op } from '../sql/op.ts';
import type { DriveMode } from '../sql/shared.ts';
import type { PgDb, Queryable } from './db.ts';

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

/** Runs a shared operation on what the caller holds: the pool, or its transaction's connection. */
export async function runOp<T>(q: Queryable, op: Op<T>): Promise<T> {
  let step = op.next();
  while (!step.done) {
    const { kind, sql, params } = step.value;
    const result = kind === 'all' ? await q.query(placeholders(sql), [...params]) : await q.run(placeholders(sql), [...params]);
    step = op.next(result);
  }
  return step.value;
}

/**
 * Runs a shared store operation: `each` statement by statement on the pool
 * (autocommit), `atomic` and `durable` in one transaction on one connection.
 * Every PostgreSQL commit waits for the WAL flush (see PgDb.tx), so the two
 * transactional modes are one here.
 */
export function drivePostgres<T>(db: PgDb, op: Op<T>, mode: DriveMode): Promise<T> {
  return mode === 'each' ? runOp(db, op) : db.tx((tx) => runOp(tx, op));
}
