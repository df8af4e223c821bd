import { idFloor } from '../ids.ts';
import { all, type Op, run } from './op.ts';

/** Expired dedupe keys go: the same event id is a new message again. Run it atomic. */
export function* purgeDedupe(now: number): Op<number> {
  return yield* run('DELETE FROM dedupe WHERE expires_at <= ?', [now]);
}

/** Gives a message its own payload retention. Run it durable. */
export function* setPayloadExpiry(messageId: string, at: number): Op<void> {
  yield* run('UPDATE messages SET payload_expires_at = ? WHERE id = ?', [at, messageId]);
}

/** Run it durable. */
export function* deleteMessageContent(appId: string, messageId: string): Op<boolean> {
  return (yield* run('UPDATE messages SET payload = NULL WHERE app_id = ? AND id = ?', [appId, messageId])) > 0;
}

/** See `ManagementStore.purgePayloads`: the message rows stay, only their content goes. Run it atomic. */
export function* purgePayloads(now: number, defaultBefore: number, fromId: string, limit: number): Op<{ purged: number; lastId: string }> {
  let purged = yield* run(
    `UPDATE messages SET payload = NULL WHERE id IN (SELECT id FROM messages
    WHERE payload_expires_at IS NOT NULL AND payload_expires_at <= ? AND payload IS NOT NULL LIMIT ?)`,
    [now, limit],
  );
  const ids = (yield* all('SELECT id FROM messages WHERE id >= ? AND id < ? ORDER BY id LIMIT ?', [
    fromId,
    idFloor('msg', defaultBefore),
    limit,
  ])).map((r) => r.id as string);
  if (ids.length === 0) return { purged, lastId: fromId };
  const last = ids[ids.length - 1] as string;
  purged += yield* run(
    'UPDATE messages SET payload = NULL WHERE id >= ? AND id <= ? AND payload IS NOT NULL AND payload_expires_at IS NULL',
    [fromId, last],
  );
  return { purged, lastId: last };
}
