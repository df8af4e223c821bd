import { idFloor } from '../ids.ts';
import type { SqliteDb } from './db.ts';

export function setPayloadExpiry(db: SqliteDb, messageId: string, at: number): void {
  db.tx(true, () => db.stmt('UPDATE messages SET payload_expires_at = ? WHERE id = ?').run(at, messageId));
}

export function deleteMessageContent(db: SqliteDb, appId: string, messageId: string): boolean {
  return db.tx(true, () => db.stmt('UPDATE messages SET payload = NULL WHERE app_id = ? AND id = ?').run(appId, messageId).changes > 0);
}

/** See `OutboundStore.purgePayloads`: the message rows stay, only their content goes. */
export function purgePayloads(db: SqliteDb, now: number, defaultBefore: number, fromId: string, limit: number): { purged: number; lastId: string } {
  const defaultBeforeId = idFloor('msg', defaultBefore);
  return db.tx(false, () => {
    let purged = db.stmt(`UPDATE messages SET payload = NULL WHERE id IN (SELECT id FROM messages
      WHERE payload_expires_at IS NOT NULL AND payload_expires_at <= ? AND payload IS NOT NULL LIMIT ?)`).run(now, limit).changes;
    const ids = db.stmt(`SELECT id FROM messages WHERE id >= ? AND id < ? ORDER BY id LIMIT ?`).all(fromId, defaultBeforeId, limit)
      .map((r) => r.id as string);
    if (ids.length === 0) return { purged, lastId: fromId };
    const last = ids[ids.length - 1] as string;
    purged += db.stmt(`UPDATE messages SET payload = NULL WHERE id >= ? AND id <= ? AND payload IS NOT NULL AND payload_expires_at IS NULL`)
      .run(fromId, last).changes;
    return { purged, lastId: last };
  });
}
