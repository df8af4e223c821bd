import type { StoreRules } from '../rules.ts';
import type { PgDb } from './db.ts';
import { drivePostgres } from './drive.ts';
import type { Op } from '../sql/op.ts';
import { SqlStore } from '../sql/store.ts';
import { postgresDialect } from '../sql/dialect.ts';
import type { DriveMode } from '../sql/shared.ts';

/**
 * The store written once (`src/store/sql/`) on a PostgreSQL pool: how an operation
 * runs (`drive`) and the dialect's fragments. `PostgresStore` extends it with
 * what PostgreSQL does its own way.
 */
export abstract class PgDrivenStore extends SqlStore {
  constructor(
    protected readonly db: PgDb,
    protected readonly rules: StoreRules,
  ) {
    super();
  }

  protected readonly dialect = postgresDialect;

  protected drive<T>(op: Op<T>, mode: DriveMode): Promise<T> {
    return drivePostgres(this.db, op, mode);
  }
}
