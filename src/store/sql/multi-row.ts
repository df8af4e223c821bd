import type { Row } from '../columns.ts';
import type { SqlDialect } from './dialect.ts';
import { all, type Op, run } from './op.ts';

/**
 * A statement over a list of rows: `head`, the rows as `(?, ?), (?, ?)`, then
 * `tail`; `before` and `after` are the parameters of `head` and `tail`, bound
 * again by every statement the rows are cut into.
 */
export interface RowsStatement {
  head: string;
  tail?: string;
  before?: readonly unknown[];
  after?: readonly unknown[];
}

function tuples(rows: number, width: number): string {
  const one = `(${Array.from({ length: width }, () => '?').join(', ')})`;
  return Array.from({ length: rows }, () => one).join(', ');
}

/** One statement per block of rows, each as large as the dialect's parameter limit allows; `rows` are all as wide. */
function* blocks<T>(
  dialect: SqlDialect,
  s: RowsStatement,
  rows: readonly unknown[][],
  each: (sql: string, params: unknown[]) => Op<T>,
): Generator<Op<T>> {
  const width = rows[0]?.length ?? 0;
  if (width === 0) return;
  const before = s.before ?? [];
  const after = s.after ?? [];
  const maxRows = Math.floor((dialect.maxParams - before.length - after.length) / width);
  let at = 0;
  for (const size of dialect.chunkRows(rows.length, maxRows)) {
    const params: unknown[] = [...before];
    for (let i = at; i < at + size; i++) params.push(...(rows[i] as unknown[]));
    params.push(...after);
    at += size;
    yield each(`${s.head} ${tuples(size, width)}${s.tail ?? ''}`, params);
  }
}

/** A multi-row statement (`INSERT … VALUES`, maybe `ON CONFLICT`): how many rows it changed. */
export function* runRows(dialect: SqlDialect, s: RowsStatement, rows: readonly unknown[][]): Op<number> {
  let changed = 0;
  for (const statement of blocks(dialect, s, rows, run)) changed += yield* statement;
  return changed;
}

/** A multi-row statement with `RETURNING`, or a query over a list of rows: the rows it answers. */
export function* allRows(dialect: SqlDialect, s: RowsStatement, rows: readonly unknown[][]): Op<Row[]> {
  const out: Row[] = [];
  for (const statement of blocks(dialect, s, rows, all)) out.push(...(yield* statement));
  return out;
}
