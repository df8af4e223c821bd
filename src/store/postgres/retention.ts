import { idFloor } from '../ids.ts';
import type { PgDb } from './db.ts';

export async function setPayloadExpiry(db: PgDb, messageId: string, at: number): Promise<void> {
  await db.run('UPDATE messages SET payload_expires_at = $1 WHERE id = $2', [at, messageId]);
}

export async function deleteMessageContent(db: PgDb, appId: string, messageId: string): Promise<boolean> {
  return (await db.run('UPDATE messages SET payload = NULL WHERE app_id = $1 AND id = $2', [appId, messageId])) > 0;
}

/** See `OutboundStore.purgePayloads`: the message rows stay, only their content goes. */
export async function purgePayloads(db: PgDb, now: number, defaultBefore: number, fromId: string, limit: number): Promise<{ purged: number; lastId: string }> {
  return db.tx(async (tx) => {
    let purged = await tx.run(`UPDATE messages SET payload = NULL WHERE id IN (SELECT id FROM messages
      WHERE payload_expires_at IS NOT NULL AND payload_expires_at <= $1 AND payload IS NOT NULL LIMIT $2)`, [now, limit]);
    const ids = (await tx.query('SELECT id FROM messages WHERE id >= $1 AND id < $2 ORDER BY id LIMIT $3', [fromId, idFloor('msg', defaultBefore), limit]))
      .map((r) => r.id as string);
    if (ids.length === 0) return { purged, lastId: fromId };
    const last = ids[ids.length - 1] as string;
    purged += await tx.run(`UPDATE messages SET payload = NULL WHERE id >= $1 AND id <= $2 AND payload IS NOT NULL AND payload_expires_at IS NULL`,
      [fromId, last]);
    return { purged, lastId: last };
  });
}
