import type { StoreRules } from '../rules.ts';
import type { IngestOutcome, NewMessage, ReleasedMessage } from '../store.ts';
import { sqliteDialect } from '../sql/dialect.ts';
import { ingestMessages } from '../sql/ingest.ts';
import { releaseMessages as release, replayMessage } from '../sql/messages.ts';
import type { SqliteDb } from './db.ts';
import { driveSqlite } from './drive.ts';

/** One durable transaction for the whole batch (see `ingestMessages`). */
export function ingest(db: SqliteDb, rules: StoreRules, batch: NewMessage[]): IngestOutcome[] {
  return driveSqlite(db, ingestMessages(sqliteDialect, rules, batch, Date.now()), 'durable');
}

/** See `Store.replay`. */
export function replay(db: SqliteDb, rules: StoreRules, appId: string, messageId: string, endpointId: string | null, now: number): number {
  return driveSqlite(db, replayMessage(sqliteDialect, rules, appId, messageId, endpointId, now), 'durable');
}

/** See `Store.releaseMessages`. */
export function releaseMessages(db: SqliteDb, rules: StoreRules, appId: string, messageIds: string[], now: number): ReleasedMessage[] {
  return driveSqlite(db, release(sqliteDialect, rules, appId, messageIds, now), 'durable');
}
