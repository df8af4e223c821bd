import type { SearchDialect } from '../search-sql.ts';

/**
 * The few SQL fragments the two databases spell differently, for operations
 * otherwise written once. Each dialect's store supplies one.
 */
export interface SqlDialect {
  /** A condition with one `?` placeholder (a string): the JSON array in `column` holds that string. */
  jsonArrayHas(column: string): string;
  /** A condition with one `?` placeholder, bound to `list(values)`: `column` is one of a list of strings (one parameter, so one statement for any length). */
  inList(column: string): string;
  list(values: readonly string[]): unknown;
  /** The larger of two values (`max` of two arguments in SQLite; an aggregate only in PostgreSQL). */
  greatest(a: string, b: string): string;
  /**
   * How a multi-row statement of `n` rows is cut (each part one statement),
   * under the parameter limits (SQLite 32,766, PostgreSQL 65,535) at up to 16
   * a row.
   */
  rowBatches(n: number): number[];
  /** Appended to a SELECT: lock the rows read until commit (PostgreSQL); SQLite's one writer already excludes. */
  forUpdate: string;
  /** Appended to a SELECT: lock the rows read, passing over those another transaction holds. */
  skipLocked: string;
  /** How a message search numbers its parameters, finds bytes in a payload and matches a list of types. */
  search: SearchDialect;
  /** The most parameters one statement may bind (multi-row statements are cut to fit). */
  maxParams: number;
  /**
   * The row counts of the statements `rows` rows are written in, each at most `maxRows`:
   * SQLite keeps every distinct statement prepared, so it writes power-of-two blocks (a
   * few statements per size class, however batch sizes vary); PostgreSQL prepares none,
   * so it writes as few statements (round trips) as the limit allows.
   */
  chunkRows(rows: number, maxRows: number): number[];
}

function powersOfTwo(rows: number, maxRows: number): number[] {
  const out: number[] = [];
  let top = 1;
  while (top * 2 <= maxRows) top *= 2;
  for (let left = rows, size = top; left > 0; size = Math.max(1, size / 2)) {
    while (left >= size) {
      out.push(size);
      left -= size;
    }
  }
  return out;
}

function fewest(rows: number, maxRows: number): number[] {
  const out: number[] = [];
  for (let left = rows; left > 0; left -= maxRows) out.push(Math.min(left, maxRows));
  return out;
}

export const sqliteDialect: SqlDialect = {
  jsonArrayHas: (column) => `EXISTS (SELECT 1 FROM json_each(${column}) WHERE value = ?)`,
  inList: (column) => `${column} IN (SELECT value FROM json_each(?))`,
  list: (values) => JSON.stringify(values),
  greatest: (a, b) => `max(${a}, ${b})`,
  // The connection keeps every statement it prepared: parts of a few sizes only (a batch of 100 is
  // 64 + 16 + 16 + 4), so the statement cache holds five shapes of each, not one per batch size.
  rowBatches: (n) => {
    const out: number[] = [];
    let left = n;
    for (const size of [256, 64, 16, 4, 1]) {
      for (; left >= size; left -= size) out.push(size);
    }
    return out;
  },
  forUpdate: '',
  skipLocked: '',
  search: {
    param: () => '?',
    contains: (p) => `instr(payload, ${p}) > 0`,
    typeIn: (types, bind) => `event_type IN (${types.map(bind).join(', ')})`,
  },
  // SQLITE_MAX_VARIABLE_NUMBER of the SQLite better-sqlite3 builds (3.32 and later).
  maxParams: 32_766,
  chunkRows: powersOfTwo,
};

export const postgresDialect: SqlDialect = {
  // `@>` on jsonb uses the GIN index where there is one.
  jsonArrayHas: (column) => `${column} @> jsonb_build_array(?::text)`,
  inList: (column) => `${column} = ANY(?::text[])`,
  list: (values) => values,
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  // Statements are not kept prepared: one part per thousand rows, each a round trip.
  rowBatches: (n) => Array.from({ length: Math.ceil(n / 1000) }, (_, i) => Math.min(1000, n - i * 1000)),
  forUpdate: ' FOR UPDATE',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  // Numbered already: the drive's `?` numbering finds none to renumber.
  search: {
    param: (n) => `$${n}`,
    contains: (p) => `position(${p}::bytea IN payload) > 0`,
    typeIn: (types, bind) => `event_type = ANY(${bind(types)}::text[])`,
  },
  // The protocol's Bind message counts parameters in 16 bits.
  maxParams: 65_535,
  chunkRows: fewest,
};
