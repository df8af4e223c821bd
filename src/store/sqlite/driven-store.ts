import type { StoreRules } from '../rules.ts';
import type { SqliteDb } from './db.ts';
import { driveSqlite } from './drive.ts';
import type { Op } from '../sql/op.ts';
import { SqlStore } from '../sql/store.ts';
import { sqliteDialect } from '../sql/dialect.ts';
import type { DriveMode } from '../sql/shared.ts';

/**
 * The store written once (`src/store/sql/`) on the SQLite connection: how an operation
 * runs (`drive`) and the dialect's fragments. `SqliteStore` extends it with
 * what SQLite does its own way.
 */
export abstract class SqliteDrivenStore extends SqlStore {
  constructor(
    protected readonly db: SqliteDb,
    protected readonly rules: StoreRules,
  ) {
    super();
  }

  protected readonly dialect = sqliteDialect;

  protected async drive<T>(op: Op<T>, mode: DriveMode): Promise<T> {
    return driveSqlite(this.db, op, mode);
  }
}
