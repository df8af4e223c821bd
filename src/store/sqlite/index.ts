import type { Op } from '../sql/op.ts';
import type { DriveMode } from '../sql/shared.ts';
import { reclaimBulkLeases } from '../sql/bulk-jobs.ts';
import { sqliteDialect } from '../sql/dialect.ts';
import { DialectStore } from '../sql/dialect-store.ts';
import type { Removal, Store } from '../store.ts';
import type { StoreRules } from '../rules.ts';
import { SqliteDb } from './db.ts';
import * as deliveries from './deliveries.ts';
import { driveSqlite } from './drive.ts';
import * as candidates from './lease-candidates.ts';
import { removeBefore } from './retention.ts';

/**
 * The embedded store: one better-sqlite3 connection, owned by this process.
 * Calls are synchronous underneath; they return promises to share the Store
 * interface with PostgreSQL. One process owns the file, so there is no one to
 * tell of due deliveries or live events, nor to hear from: its worker wakes itself.
 */
export class SqliteStore extends DialectStore<SqliteDb> implements Store {
  readonly kind = 'sqlite' as const;
  protected readonly dialect = sqliteDialect;

  constructor(path: string, rules: StoreRules) {
    super(SqliteDb.open(path), rules, { deliveries, candidates });
  }

  protected async drive<T>(op: Op<T>, mode: DriveMode): Promise<T> {
    return driveSqlite(this.db, op, mode);
  }

  async migrate(): Promise<void> {
    this.db.migrate();
    // This process holds the file's exclusive lock, so every lease left behind
    // belongs to a process that is gone: take them all back now.
    deliveries.reclaimLeases(this.db, this.rules, Date.now(), true);
    await this.drive(reclaimBulkLeases(), 'atomic');
  }

  async reclaimExpiredLeases(now: number): Promise<number> {
    return deliveries.reclaimLeases(this.db, this.rules, now, false);
  }
  /** SQLite has no partitions to create: rows go into the one table of each kind. */
  async prepareStorage(): Promise<string[]> {
    return [];
  }
  async removeBefore(before: number): Promise<Removal> {
    return removeBefore(this.db, before);
  }

  onDue(): () => void {
    return () => undefined;
  }
  async shareLive(): Promise<void> {}
  onLive(): () => void {
    return () => undefined;
  }
}
