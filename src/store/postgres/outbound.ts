import type { OutboundStore } from '../outbound.ts';
import type { StoreRules } from '../rules.ts';
import type { PgDb } from './db.ts';
import { deleteMessageContent, purgePayloads, setPayloadExpiry } from './retention.ts';
import { drivePostgres } from './drive.ts';
import type { Op } from '../sql/op.ts';
import { SqlStore } from '../sql/store.ts';
import { postgresDialect } from '../sql/dialect.ts';
import type { DriveMode } from '../sql/shared.ts';

/** The outbound operations of the PostgreSQL store (`OutboundStore`); `PostgresStore` extends it. */
export abstract class PgOutbound extends SqlStore implements OutboundStore {
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

  async setPayloadExpiry(messageId: string, at: number): Promise<void> {
    await setPayloadExpiry(this.db, messageId, at);
  }
  async deleteMessageContent(appId: string, messageId: string): Promise<boolean> {
    return deleteMessageContent(this.db, appId, messageId);
  }
  async purgePayloads(now: number, defaultBefore: number, fromId: string, limit: number): Promise<{ purged: number; lastId: string }> {
    return purgePayloads(this.db, now, defaultBefore, fromId, limit);
  }
}
