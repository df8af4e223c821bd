import { DialectStore } from '../sql/dialect-store.ts';
import { postgresDialect } from '../sql/dialect.ts';
import type { Op } from '../sql/op.ts';
import type { DriveMode } from '../sql/shared.ts';
import type { StoreRules } from '../rules.ts';
import type { Removal, Store } from '../store.ts';
import { liveChannel } from './channels.ts';
import { PgDb, type PgOptions } from './db.ts';
import * as deliveries from './deliveries.ts';
import { drivePostgres } from './drive.ts';
import * as candidates from './lease-candidates.ts';
import { listenChannel, listenDue } from './notify.ts';
import { prepareStorage, removeBefore } from './retention.ts';

/**
 * The shared store: a pool of connections to a PostgreSQL database that any
 * number of Sluice processes use at once. The deliveries table is the queue;
 * commits that make deliveries due, and live-stream events, are told to the
 * other processes by NOTIFY.
 */
export class PostgresStore extends DialectStore<PgDb> implements Store {
  readonly kind = 'postgres' as const;
  protected readonly dialect = postgresDialect;

  constructor(options: PgOptions, rules: StoreRules) {
    super(new PgDb(options), rules, { deliveries, candidates });
  }

  protected drive<T>(op: Op<T>, mode: DriveMode): Promise<T> {
    return drivePostgres(this.db, op, mode);
  }

  /**
   * Applies pending migrations. Unlike SQLite, other processes may hold live
   * leases right now, so only expired ones are taken back.
   */
  async migrate(): Promise<void> {
    await this.db.migrate();
    await deliveries.reclaimExpiredLeases(this.db, this.rules, Date.now());
  }

  async reclaimExpiredLeases(now: number): Promise<number> {
    return deliveries.reclaimExpiredLeases(this.db, this.rules, now);
  }
  async prepareStorage(now: number, partitionIntervalMs: number): Promise<string[]> {
    return prepareStorage(this.db, now, partitionIntervalMs);
  }
  async removeBefore(before: number): Promise<Removal> {
    return removeBefore(this.db, before);
  }

  onDue(due: () => void, onError: (err: Error) => void): () => void {
    return listenDue(this.db.options, due, onError);
  }
  async shareLive(payload: string): Promise<void> {
    await this.db.query('SELECT pg_notify($1, $2)', [liveChannel(this.db.options), payload]);
  }
  onLive(heard: (payload: string) => void, onError: (err: Error) => void): () => void {
    return listenChannel(this.db.options, liveChannel(this.db.options), 'live-stream events', heard, () => undefined, onError);
  }
}
