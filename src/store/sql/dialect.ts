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
  /** How a message search numbers its parameters, finds bytes in a payload and matches a list of types. */
  search: SearchDialect;
}

export const sqliteDialect: SqlDialect = {
  jsonArrayHas: (column) => `EXISTS (SELECT 1 FROM json_each(${column}) WHERE value = ?)`,
  inList: (column) => `${column} IN (SELECT value FROM json_each(?))`,
  list: (values) => JSON.stringify(values),
  greatest: (a, b) => `max(${a}, ${b})`,
  search: {
    param: () => '?',
    contains: (p) => `instr(payload, ${p}) > 0`,
    typeIn: (types, bind) => `event_type IN (${types.map(bind).join(', ')})`,
  },
};

export const postgresDialect: SqlDialect = {
  // `@>` on jsonb uses the GIN index where there is one.
  jsonArrayHas: (column) => `${column} @> jsonb_build_array(?::text)`,
  inList: (column) => `${column} = ANY(?::text[])`,
  list: (values) => values,
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  // Numbered already: the drive's `?` numbering finds none to renumber.
  search: {
    param: (n) => `$${n}`,
    contains: (p) => `position(${p}::bytea IN payload) > 0`,
    typeIn: (types, bind) => `event_type = ANY(${bind(types)}::text[])`,
  },
};
