import type { HealthChange, HealthPolicy } from '../health.ts';
import type { OutboundStore } from '../outbound.ts';
import type { StoreRules } from '../rules.ts';
import type { PgDb } from './db.ts';
import { nextUnblockAt, recordEndpointHealth } from './endpoint-health.ts';
import { deleteMessageContent, purgePayloads, setPayloadExpiry } from './retention.ts';
import { drivePostgres } from './drive.ts';
import type { Op } from '../sql/op.ts';
import { SqlOperations } from '../sql/operations-store.ts';
import type { DriveMode } from '../sql/shared.ts';

/** The outbound operations of the PostgreSQL store (`OutboundStore`); `PostgresStore` extends it. */
export abstract class PgOutbound extends SqlOperations implements OutboundStore {
  constructor(
    protected readonly db: PgDb,
    protected readonly rules: StoreRules,
  ) {
    super();
  }

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
  async recordEndpointHealth(endpointId: string, ok: boolean, now: number, policy: HealthPolicy): Promise<HealthChange> {
    return recordEndpointHealth(this.db, this.rules, endpointId, ok, now, policy);
  }
  async nextUnblockAt(now: number): Promise<number | null> {
    return nextUnblockAt(this.db, now);
  }
}
