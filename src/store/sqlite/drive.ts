import type { Op, Query } from '../sql/op.ts';
import type { DriveMode } from '../sql/shared.ts';
import type { SqliteDb } from './db.ts';

/** better-sqlite3 binds no booleans: SQLite's are 0 and 1. */
function bind(params: readonly unknown[]): unknown[] {
  return params.map((p) => (p === true ? 1 : p === false ? 0 : p));
}

function execute(db: SqliteDb, q: Query): unknown {
  // One connection, one writer: it is the lock already, and its worker wakes itself.
  if (q.kind === 'lock' || q.kind === 'wake') return undefined;
  const statement = db.stmt(q.sql);
  return q.kind === 'all' ? statement.all(...bind(q.params)) : statement.run(...bind(q.params)).changes;
}

/**
 * Runs a shared operation inside what the caller already holds (its transaction, or none).
 * A failed statement is thrown into the operation, which may catch it (a savepoint's rollback).
 */
export function runOp<T>(db: SqliteDb, op: Op<T>): T {
  let step = op.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = execute(db, step.value);
    } catch (err) {
      step = op.throw(err);
      continue;
    }
    step = op.next(result);
  }
  return step.value;
}

/**
 * Runs a shared store operation to its end, synchronously, so nothing else can
 * use the connection meanwhile; `atomic` and `durable` in one transaction
 * (`durable` fsyncs the WAL at commit, see SqliteDb.tx).
 */
export function driveSqlite<T>(db: SqliteDb, op: Op<T>, mode: DriveMode): T {
  return mode === 'each' ? runOp(db, op) : db.tx(mode === 'durable', () => runOp(db, op));
}
