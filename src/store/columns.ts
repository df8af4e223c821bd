/**
 * Column readers that accept what either driver returns for a column, so one
 * row mapper serves both stores: better-sqlite3 gives integers for booleans and
 * text for JSON; `pg` gives booleans, parsed `jsonb`, and bigints as strings
 * (Sluice's bigints are millisecond times, counts and sequences, far below 2^53).
 */
export type Row = Record<string, unknown>;

export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value as string);
}

export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

export function strOrNull(value: unknown): string | null {
  return (value as string | null | undefined) ?? null;
}

/** SQLite stores booleans as 0/1. */
export function bool(value: unknown): boolean {
  return value === true || value === 1;
}

/** A JSON column: text in SQLite, already parsed in PostgreSQL's `jsonb`; NULL is the fallback. */
export function jsonOr<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  return typeof value === 'string' ? (JSON.parse(value) as T) : (value as T);
}
