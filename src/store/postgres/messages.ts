import type { StoreRules } from '../rules.ts';
import type { IngestOutcome, NewMessage, ReleasedMessage } from '../store.ts';
import { postgresDialect } from '../sql/dialect.ts';
import { ingestMessages } from '../sql/ingest.ts';
import { releaseMessages as release, replayMessage } from '../sql/messages.ts';
import type { PgDb } from './db.ts';
import { drivePostgres } from './drive.ts';

/** One durable transaction for the whole batch (see `ingestMessages`); workers are notified at commit if anything fell due. */
export function ingest(db: PgDb, rules: StoreRules, batch: NewMessage[]): Promise<IngestOutcome[]> {
  return drivePostgres(db, ingestMessages(postgresDialect, rules, batch, Date.now()), 'durable');
}

/** See `Store.replay`. */
export function replay(
  db: PgDb,
  rules: StoreRules,
  appId: string,
  messageId: string,
  endpointId: string | null,
  now: number,
): Promise<number> {
  return drivePostgres(db, replayMessage(postgresDialect, rules, appId, messageId, endpointId, now), 'durable');
}

/** See `Store.releaseMessages`. */
export function releaseMessages(db: PgDb, rules: StoreRules, appId: string, messageIds: string[], now: number): Promise<ReleasedMessage[]> {
  return drivePostgres(db, release(postgresDialect, rules, appId, messageIds, now), 'durable');
}
