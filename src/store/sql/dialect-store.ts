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
 * batch ingest and routing (`messages.ts`), the lease pass and its outcomes
 * (`deliveries.ts`, `lease-candidates.ts`). The dialect passes its modules.
 */
export interface DialectOps<Db> {
  messages: {
    ingest(db: Db, rules: StoreRules, batch: NewMessage[]): Awaitable<IngestOutcome[]>;
    replay(db: Db, rules: StoreRules, appId: string, messageId: string, endpointId: string | null, now: number): Awaitable<number>;
    releaseMessages(db: Db, rules: StoreRules, appId: string, messageIds: string[], now: number): Awaitable<ReleasedMessage[]>;
  };
  deliveries: {
    leaseDue(db: Db, rules: StoreRules, options: LeaseOptions): Awaitable<LeasedDelivery[]>;
    recordAttempts(db: Db, records: AttemptRecord[]): Awaitable<void>;
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

  async ingest(batch: NewMessage[]): Promise<IngestOutcome[]> {
    return this.ops.messages.ingest(this.db, this.rules, batch);
  }
  async replay(appId: string, messageId: string, endpointId: string | null, now: number): Promise<number> {
    return this.ops.messages.replay(this.db, this.rules, appId, messageId, endpointId, now);
  }
  async releaseMessages(appId: string, messageIds: string[], now: number): Promise<ReleasedMessage[]> {
    return this.ops.messages.releaseMessages(this.db, this.rules, appId, messageIds, now);
  }
  async leaseDue(options: LeaseOptions): Promise<LeasedDelivery[]> {
    return this.ops.deliveries.leaseDue(this.db, this.rules, options);
  }
  async recordAttempts(records: AttemptRecord[]): Promise<void> {
    await this.ops.deliveries.recordAttempts(this.db, records);
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
