import type { Row } from '../columns.ts';

/** One statement a store operation asks its driver to run. */
export interface Query {
  kind: 'all' | 'run';
  sql: string;
  params: readonly unknown[];
}

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

/** JSON for a JSON column (text in SQLite, `jsonb` in PostgreSQL); `null` stays SQL NULL. */
export function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
