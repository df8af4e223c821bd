import type { SearchDialect } from '../search-sql.ts';

/**
 * The few SQL fragments the two databases spell differently, for operations
 * otherwise written once. Each dialect's store supplies one.
 */
export interface SqlDialect {
  /** A condition with one `?` placeholder (a string): the JSON array in `column` holds that string. */
  jsonArrayHas(column: string): string;
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
