import type { StoreRules } from '../rules.ts';
import type {
  AttemptRecord,
  Backlog,
  IngestOutcome,
  LeasedDelivery,
  LeaseOptions,
  NewMessage,
  PendingMigration,
  ReleasedMessage,
} from '../store.ts';
import { recordAttempts as recordAttemptsOp } from './attempt-records.ts';
import { ingestMessages } from './ingest.ts';
import { releaseMessages as release, replayMessage } from './messages.ts';
import { get } from './op.ts';
import { SqlStore } from './store.ts';

type Awaitable<T> = T | Promise<T>;

/** What the store asks of a dialect's connection (`SqliteDb`, `PgDb`). */
export interface DialectDb {
  pendingMigrations(): Awaitable<PendingMigration[]>;
  close(): Awaitable<void>;
}

/**
 * The operations each database does its own way, from its dialect folder:
 * the lease pass and its outcomes
 * (`deliveries.ts`, `lease-candidates.ts`). The dialect passes its modules.
 */
export interface DialectOps<Db> {
  deliveries: {
    leaseDue(db: Db, rules: StoreRules, options: LeaseOptions): Awaitable<LeasedDelivery[]>;
    releaseLeases(db: Db, rules: StoreRules, owner: string, deliveryIds: string[], now: number): Awaitable<void>;
    backlog(db: Db): Awaitable<Backlog>;
  };
  candidates: {
    countLeasable(db: Db, now: number, defaultConcurrency: number): Awaitable<number>;
  };
}

/**
 * The store over one database: everything written once (`SqlStore`), and the
 * calls into what the dialect does its own way (`DialectOps`). Each dialect's
 * store extends it with its connection, its `drive`, and what only it has
 * (migrations and start-up, partitions and retention, wake-ups).
 */
export abstract class DialectStore<Db extends DialectDb> extends SqlStore {
  private closed = false;

  constructor(
    protected readonly db: Db,
    protected readonly rules: StoreRules,
    private readonly ops: DialectOps<Db>,
  ) {
    super();
  }

  async pendingMigrations(): Promise<PendingMigration[]> {
    return this.db.pendingMigrations();
  }
  async ping(): Promise<void> {
    if (this.closed) throw new Error('store is closed');
    await this.drive(get('SELECT 1'), 'each');
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }

  /** One durable transaction for the whole batch (see `ingestMessages`); on PostgreSQL, workers are told at commit if anything fell due. */
  async ingest(batch: NewMessage[]): Promise<IngestOutcome[]> {
    return this.drive(ingestMessages(this.dialect, this.rules, batch, Date.now()), 'durable');
  }
  async replay(appId: string, messageId: string, endpointId: string | null, now: number): Promise<number> {
    return this.drive(replayMessage(this.dialect, this.rules, appId, messageId, endpointId, now), 'durable');
  }
  async releaseMessages(appId: string, messageIds: string[], now: number): Promise<ReleasedMessage[]> {
    return this.drive(release(this.dialect, this.rules, appId, messageIds, now), 'durable');
  }
  async leaseDue(options: LeaseOptions): Promise<LeasedDelivery[]> {
    return this.ops.deliveries.leaseDue(this.db, this.rules, options);
  }
  /** Attempts and their delivery transitions, many in one transaction (`sql/attempt-records.ts`). */
  async recordAttempts(records: AttemptRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.drive(recordAttemptsOp(this.dialect, records), 'atomic');
  }
  async releaseLeases(owner: string, deliveryIds: string[], now: number): Promise<void> {
    await this.ops.deliveries.releaseLeases(this.db, this.rules, owner, deliveryIds, now);
  }
  async backlog(): Promise<Backlog> {
    return this.ops.deliveries.backlog(this.db);
  }
  async countLeasable(now: number, defaultConcurrency: number): Promise<number> {
    return this.ops.candidates.countLeasable(this.db, now, defaultConcurrency);
  }
}
