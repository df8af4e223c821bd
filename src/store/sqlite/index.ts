import type {
  AttemptRecord,
  Backlog,
  IngestOutcome,
  LeasedDelivery,
  LeaseOptions,
  NewMessage,
  ReleasedMessage,
  PendingMigration,
  Removal,
  Store,
} from '../store.ts';
import type { BulkJob } from '../bulk-jobs.ts';
import type { StoreRules } from '../rules.ts';
import { SqliteDb } from './db.ts';
import { backlog, leaseDue, reclaimLeases, recordAttempts, releaseLeases } from './deliveries.ts';
import { countLeasable } from './lease-candidates.ts';
import { reclaimBulkLeases } from './bulk-jobs.ts';
import { SqliteConsole } from './console.ts';
import { claimBulkJob, runBulkBatch } from './bulk-jobs.ts';
import { prepareStorage, removeBefore } from './retention.ts';
import { ingest, releaseMessages, replay } from './messages.ts';

/**
 * The embedded store: one better-sqlite3 connection, owned by this process.
 * Calls are synchronous underneath; they return promises to share the Store
 * interface with PostgreSQL.
 */
export class SqliteStore extends SqliteConsole implements Store {
  readonly kind = 'sqlite' as const;
  private closed = false;

  constructor(path: string, rules: StoreRules) {
    super(SqliteDb.open(path), rules);
  }

  async migrate(): Promise<void> {
    this.db.migrate();
    // This process holds the file's exclusive lock, so every lease left behind
    // belongs to a process that is gone: take them all back now.
    reclaimLeases(this.db, this.rules, Date.now(), true);
    reclaimBulkLeases(this.db);
  }

  async pendingMigrations(): Promise<PendingMigration[]> {
    return this.db.pendingMigrations();
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('store is closed');
    this.db.stmt('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  async ingest(batch: NewMessage[]): Promise<IngestOutcome[]> {
    return ingest(this.db, this.rules, batch);
  }
  async replay(appId: string, messageId: string, endpointId: string | null, now: number): Promise<number> {
    return replay(this.db, this.rules, appId, messageId, endpointId, now);
  }
  async releaseMessages(appId: string, messageIds: string[], now: number): Promise<ReleasedMessage[]> {
    return releaseMessages(this.db, this.rules, appId, messageIds, now);
  }
  async leaseDue(options: LeaseOptions): Promise<LeasedDelivery[]> {
    return leaseDue(this.db, this.rules, options);
  }
  async recordAttempts(records: AttemptRecord[]): Promise<void> {
    recordAttempts(this.db, records);
  }
  async releaseLeases(owner: string, deliveryIds: string[], now: number): Promise<void> {
    releaseLeases(this.db, this.rules, owner, deliveryIds, now);
  }
  async reclaimExpiredLeases(now: number): Promise<number> {
    return reclaimLeases(this.db, this.rules, now, false);
  }
  async countLeasable(now: number, defaultConcurrency: number): Promise<number> {
    return countLeasable(this.db, now, defaultConcurrency);
  }
  async backlog(): Promise<Backlog> {
    return backlog(this.db);
  }
  /** One process owns the file, and it wakes its own worker directly: there is no one else to hear from. */
  onDue(): () => void {
    return () => undefined;
  }
  async purgeDedupe(now: number): Promise<number> {
    return this.db.tx(false, () => this.db.stmt('DELETE FROM dedupe WHERE expires_at <= ?').run(now).changes);
  }
  async prepareStorage(): Promise<string[]> {
    return prepareStorage();
  }
  async removeBefore(before: number): Promise<Removal> {
    return removeBefore(this.db, before);
  }

  async claimBulkJob(owner: string, now: number, leaseMs: number): Promise<BulkJob | null> {
    return claimBulkJob(this.db, owner, now, leaseMs);
  }
  async runBulkBatch(id: string, owner: string, limit: number, now: number, leaseMs: number): Promise<BulkJob | null> {
    return runBulkBatch(this.db, id, owner, limit, now, leaseMs);
  }
}
