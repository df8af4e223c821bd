import type { OutboundStore } from '../outbound.ts';
import type { StoreRules } from '../rules.ts';
import type { SqliteDb } from './db.ts';
import { deleteMessageContent, purgePayloads, setPayloadExpiry } from './retention.ts';
import { driveSqlite } from './drive.ts';
import type { Op } from '../sql/op.ts';
import { SqlStore } from '../sql/store.ts';
import { sqliteDialect } from '../sql/dialect.ts';
import type { DriveMode } from '../sql/shared.ts';

/** The outbound operations of the SQLite store (`OutboundStore`); `SqliteStore` extends it. */
export abstract class SqliteOutbound extends SqlStore implements OutboundStore {
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

  async setPayloadExpiry(messageId: string, at: number): Promise<void> {
    setPayloadExpiry(this.db, messageId, at);
  }
  async deleteMessageContent(appId: string, messageId: string): Promise<boolean> {
    return deleteMessageContent(this.db, appId, messageId);
  }
  async purgePayloads(now: number, defaultBefore: number, fromId: string, limit: number): Promise<{ purged: number; lastId: string }> {
    return purgePayloads(this.db, now, defaultBefore, fromId, limit);
  }
}
