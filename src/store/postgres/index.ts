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
import { PgDb, type PgOptions } from './db.ts';
import { backlog, leaseDue, reclaimExpiredLeases, recordAttempts, releaseLeases } from './deliveries.ts';
import { countLeasable } from './lease-candidates.ts';
import { ingest, releaseMessages, replay } from './messages.ts';
import { listenDue } from './notify.ts';
import { PgConsole } from './console.ts';
import { claimBulkJob, runBulkBatch } from './bulk-jobs.ts';
import { prepareStorage, removeBefore } from './retention.ts';

/**
 * The shared store: a pool of connections to a PostgreSQL database that any
 * number of Sluice processes use at once. The deliveries table is the queue.
 */
export class PostgresStore extends PgConsole implements Store {
  readonly kind = 'postgres' as const;
  private closed = false;

  constructor(options: PgOptions, rules: StoreRules) {
    super(new PgDb(options), rules);
  }

  /**
   * Applies pending migrations. Unlike SQLite, other processes may hold live
   * leases right now, so only expired ones are taken back.
   */
  async migrate(): Promise<void> {
    await this.db.migrate();
    await reclaimExpiredLeases(this.db, this.rules, Date.now());
  }

  async pendingMigrations(): Promise<PendingMigration[]> {
    return this.db.pendingMigrations();
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('store is closed');
    await this.db.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
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
    await recordAttempts(this.db, records);
  }
  async releaseLeases(owner: string, deliveryIds: string[], now: number): Promise<void> {
    await releaseLeases(this.db, this.rules, owner, deliveryIds, now);
  }
  async reclaimExpiredLeases(now: number): Promise<number> {
    return reclaimExpiredLeases(this.db, this.rules, now);
  }
  async countLeasable(now: number, defaultConcurrency: number): Promise<number> {
    return countLeasable(this.db, now, defaultConcurrency);
  }
  async backlog(): Promise<Backlog> {
    return backlog(this.db);
  }
  onDue(due: () => void, onError: (err: Error) => void): () => void {
    return listenDue(this.db.options, due, onError);
  }
  async purgeDedupe(now: number): Promise<number> {
    return this.db.run('DELETE FROM dedupe WHERE expires_at <= $1', [now]);
  }
  async prepareStorage(now: number, partitionIntervalMs: number): Promise<string[]> {
    return prepareStorage(this.db, now, partitionIntervalMs);
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
