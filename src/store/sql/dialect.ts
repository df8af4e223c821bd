import type { SearchDialect } from '../search-sql.ts';

/**
 * The few SQL fragments the two databases spell differently, for operations
 * otherwise written once. Each dialect's store supplies one.
 */
export interface SqlDialect {
  /** A condition with one `?` placeholder (a string): the JSON array in `column` holds that string. */
  jsonArrayHas(column: string): string;
  /** A condition with one `?` placeholder bound to `param`: `column` is one of the texts `values` (one text for any count). */
  inList(column: string, values: readonly unknown[]): { sql: string; param: unknown };
  /** Appended to a SELECT: lock the rows read until commit (PostgreSQL); SQLite's one writer already excludes. */
  forUpdate: string;
  /** Appended to a SELECT: lock the rows read, passing over those another transaction holds. */
  skipLocked: string;
  /** How a message search numbers its parameters, finds bytes in a payload and matches a list of types. */
  search: SearchDialect;
}

export const sqliteDialect: SqlDialect = {
  jsonArrayHas: (column) => `EXISTS (SELECT 1 FROM json_each(${column}) WHERE value = ?)`,
  inList: (column, values) => ({ sql: `${column} IN (SELECT value FROM json_each(?))`, param: JSON.stringify(values) }),
  forUpdate: '',
  skipLocked: '',
  search: {
    param: () => '?',
    contains: (p) => `instr(payload, ${p}) > 0`,
    typeIn: (types, bind) => `event_type IN (${types.map(bind).join(', ')})`,
  },
};

export const postgresDialect: SqlDialect = {
  // `@>` on jsonb uses the GIN index where there is one.
  jsonArrayHas: (column) => `${column} @> jsonb_build_array(?::text)`,
  inList: (column, values) => ({ sql: `${column} = ANY(?::text[])`, param: values }),
  forUpdate: ' FOR UPDATE',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  // Numbered already: the drive's `?` numbering finds none to renumber.
  search: {
    param: (n) => `$${n}`,
    contains: (p) => `position(${p}::bytea IN payload) > 0`,
    typeIn: (types, bind) => `event_type = ANY(${bind(types)}::text[])`,
  },
};
