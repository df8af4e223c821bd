import type { Row } from '../columns.ts';
import { PgDb, type PgOptions, type Tx } from './db.ts';

/** PostgreSQL's most parameters in one statement is 65,535; stay well under. */
const MAX_PARAMS = 30_000;

/**
 * The receiving side of `sluice migrate-data`: a PostgreSQL database brought
 * to the current schema, then filled table by table in ONE transaction, so a
 * copy that fails half-way leaves the database as empty as it found it.
 */
export class PostgresImport {
  private constructor(private readonly db: PgDb) {}

  static async open(options: PgOptions): Promise<PostgresImport> {
    const db = new PgDb(options);
    try {
      await db.migrate();
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
    return new PostgresImport(db);
  }

  async migrations(): Promise<number[]> {
    return (await this.db.query('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version));
  }

  /** Rows already in the tables a copy would fill, by table (non-empty ones only). */
  async occupied(tables: string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of tables) {
      const [row] = await this.db.query(`SELECT count(*) AS n FROM ${ident(table)}`);
      const n = Number(row?.n);
      if (n > 0) out[table] = n;
    }
    return out;
  }

  /** Column → data type of each table of the current schema. */
  async columnTypes(): Promise<Map<string, Map<string, string>>> {
    const out = new Map<string, Map<string, string>>();
    for (const row of await this.db.query(`SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = current_schema()`)) {
      const table = row.table_name as string;
      if (!out.has(table)) out.set(table, new Map());
      out.get(table)?.set(row.column_name as string, row.data_type as string);
    }
    return out;
  }

  /** Runs `fn` in one transaction whose `insert` writes rows of one table in batches. */
  async inTransaction<T>(
    fn: (insert: (table: string, columns: string[], types: string[], rows: Row[]) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    return this.db.tx(async (tx) => fn((table, columns, types, rows) => insertRows(tx, table, columns, types, rows)));
  }

  /** Rows per batch for a table of `columns` columns. */
  static batchSize(columns: number): number {
    return Math.max(1, Math.min(1000, Math.floor(MAX_PARAMS / Math.max(columns, 1))));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** SQLite keeps booleans as 0/1; JSON text and bytes bind as they are (PostgreSQL parses jsonb from text). */
function convert(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'boolean') return value === 1 || value === 1n || value === true || value === '1';
  if (typeof value === 'bigint') return value.toString();
  return value;
}

async function insertRows(tx: Tx, table: string, columns: string[], types: string[], rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const params: unknown[] = [];
  const tuples = rows.map(
    (row) =>
      `(${columns
        .map((column, i) => {
          params.push(convert(row[column], types[i] as string));
          return `$${params.length}`;
        })
        .join(', ')})`,
  );
  await tx.run(`INSERT INTO ${ident(table)} (${columns.map(ident).join(', ')}) VALUES ${tuples.join(', ')}`, params);
}
