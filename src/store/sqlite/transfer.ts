import { SqliteDb, type Row } from './db.ts';
import { reclaimLeases } from './deliveries.ts';
import type { StoreRules } from '../rules.ts';

/** One table of the source, read row by row (so a large table never sits in memory whole). */
export interface SourceTable {
  name: string;
  columns: string[];
  count: number;
  rows(): Iterable<Row>;
}

/**
 * An SQLite database opened to be copied elsewhere (`sluice migrate-data`).
 * Opening takes the file's exclusive lock, so a gateway still running on it is
 * refused rather than copied mid-write. The schema is brought up to date first
 * (so both sides are at the same migration), and every lease is taken back:
 * no process holds this file, so an in-flight delivery is simply due again.
 */
export class SqliteExport {
  private constructor(private readonly db: SqliteDb) {}

  static open(path: string, rules: StoreRules): SqliteExport {
    const db = SqliteDb.open(path);
    try {
      db.migrate();
      reclaimLeases(db, rules, Date.now(), true);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteExport(db);
  }

  migrations(): number[] {
    return (this.db.raw.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Row[]).map((r) => Number(r.version));
  }

  tables(): SourceTable[] {
    const names = (
      this.db.raw
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table'
      AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name`)
        .all() as Row[]
    ).map((r) => r.name as string);
    return names.map((name) => {
      // Names come from sqlite_master, not from input; quoted all the same.
      const quoted = `"${name.replace(/"/g, '""')}"`;
      const columns = (this.db.raw.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).all(name) as Row[]).map(
        (r) => r.name as string,
      );
      const count = Number((this.db.raw.prepare(`SELECT count(*) AS n FROM ${quoted}`).get() as Row).n);
      return { name, columns, count, rows: () => this.db.raw.prepare(`SELECT * FROM ${quoted}`).iterate() as Iterable<Row> };
    });
  }

  close(): void {
    this.db.close();
  }
}
