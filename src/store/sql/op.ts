import type { Row } from '../columns.ts';

/**
 * What a store operation asks its driver for: a statement (`all` answers its
 * rows, `run` how many rows it changed), a transaction-scoped lock on a key
 * (`lock`: PostgreSQL's advisory lock, so processes checking the same unique
 * name queue up; nothing on SQLite, whose single connection is the lock), or
 * `wake`: tell delivery workers that something fell due at commit (NOTIFY on
 * PostgreSQL; SQLite's one process wakes its worker itself).
 */
export type Query = { kind: 'all' | 'run'; sql: string; params: readonly unknown[] } | { kind: 'lock'; key: string } | { kind: 'wake' };

/**
 * A store operation written once for both databases: a generator that yields
 * its statements and receives their results. The SQLite driver runs it to the
 * end synchronously inside one transaction, so no other operation's statements
 * can slip in between (the connection is shared and sync code would otherwise
 * join an open transaction); the PostgreSQL driver runs it on one pooled
 * connection, awaiting each statement. SQL uses `?` placeholders and only what
 * both dialects accept (`RETURNING`, `ON CONFLICT … DO NOTHING`); booleans are
 * bound as booleans and JSON as text, which each driver maps.
 *
 * @example
 * function* renameThing(id: string, name: string): Op<boolean> {
 *   return (yield* run('UPDATE things SET name = ? WHERE id = ?', [name, id])) > 0;
 * }
 */
export type Op<T> = Generator<Query, T, unknown>;

/** The rows a statement returns. */
export function* all(sql: string, params: readonly unknown[] = []): Op<Row[]> {
  return (yield { kind: 'all', sql, params }) as Row[];
}

/** The first row a statement returns, if any. */
export function* get(sql: string, params: readonly unknown[] = []): Op<Row | undefined> {
  return (yield* all(sql, params))[0];
}

/** The number of rows a statement changed. */
export function* run(sql: string, params: readonly unknown[] = []): Op<number> {
  return (yield { kind: 'run', sql, params }) as number;
}

/** Holds `key` until the transaction ends (see `Query`). */
export function* lock(key: string): Op<void> {
  yield { kind: 'lock', key };
}

/** Wakes delivery workers once the transaction commits (see `Query`). */
export function* wake(): Op<void> {
  yield { kind: 'wake' };
}

/** JSON for a JSON column (text in SQLite, `jsonb` in PostgreSQL); `null` stays SQL NULL. */
export function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
