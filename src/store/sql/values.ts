import type { SqlDialect } from './dialect.ts';

/** `items` cut into the parts of the dialect's multi-row statements (`SqlDialect.rowBatches`). */
export function chunks<T>(dialect: SqlDialect, items: readonly T[]): T[][] {
  const out: T[][] = [];
  let at = 0;
  for (const size of dialect.rowBatches(items.length)) {
    out.push(items.slice(at, at + size));
    at += size;
  }
  return out;
}

/** `rows` copies of `(cells…)`, for a multi-row VALUES list. */
export function valuesRows(rows: number, cells: readonly string[]): string {
  const row = `(${cells.join(', ')})`;
  return Array.from({ length: rows }, () => row).join(', ');
}
