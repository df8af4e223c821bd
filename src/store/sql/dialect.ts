/**
 * The few SQL fragments the two databases spell differently, for operations
 * otherwise written once. Each dialect's store supplies one.
 */
export interface SqlDialect {
  /** A condition with one `?` placeholder (a string): the JSON array in `column` holds that string. */
  jsonArrayHas(column: string): string;
}

export const sqliteDialect: SqlDialect = {
  jsonArrayHas: (column) => `EXISTS (SELECT 1 FROM json_each(${column}) WHERE value = ?)`,
};

export const postgresDialect: SqlDialect = {
  // `@>` on jsonb uses the GIN index where there is one.
  jsonArrayHas: (column) => `${column} @> jsonb_build_array(?::text)`,
};
