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
}

export const sqliteDialect: SqlDialect = {
  jsonArrayHas: (column) => `EXISTS (SELECT 1 FROM json_each(${column}) WHERE value = ?)`,
  search: {
    param: () => '?',
    contains: (p) => `instr(payload, ${p}) > 0`,
    typeIn: (types, bind) => `event_type IN (${types.map(bind).join(', ')})`,
  },
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
};
