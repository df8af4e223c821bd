import { idFloor } from '../ids.ts';
import type { Removal } from '../store.ts';
import type { SqliteDb } from './db.ts';

/** Messages removed per transaction: the writer lock is held for one batch, and ingest waits no longer than that. */
const REMOVE_BATCH = 500;
const UNFINISHED = `EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id AND d.state IN ('pending', 'scheduled', 'in_flight'))`;

/**
 * See `Store.removeBefore`: SQLite has no partitions, so old messages go row
 * by row, with their attempts and deliveries first, in short transactions that
 * leave the event loop free between them.
 */
export async function removeBefore(db: SqliteDb, before: number): Promise<Removal> {
  const limit = idFloor('msg', before);
  const removal: Removal = { partitions: [], messages: 0, heldBack: 0 };
  let from = '';
  for (;;) {
    const { removed, last } = db.tx(false, () => {
      const ids = db
        .stmt(`SELECT id FROM messages WHERE id > ? AND id < ? AND NOT ${UNFINISHED} ORDER BY id LIMIT ?`)
        .all(from, limit, REMOVE_BATCH)
        .map((r) => r.id as string);
      if (ids.length === 0) return { removed: 0, last: undefined };
      const list = JSON.stringify(ids);
      for (const table of ['attempts', 'deliveries']) {
        db.stmt(`DELETE FROM ${table} WHERE message_id IN (SELECT value FROM json_each(?))`).run(list);
      }
      db.stmt('DELETE FROM messages WHERE id IN (SELECT value FROM json_each(?))').run(list);
      return { removed: ids.length, last: ids[ids.length - 1] };
    });
    removal.messages += removed;
    if (last === undefined || removed < REMOVE_BATCH) break;
    from = last;
    await new Promise((resolve) => setImmediate(resolve));
  }
  removal.heldBack = Number(db.stmt(`SELECT count(*) AS n FROM messages WHERE id < ? AND ${UNFINISHED}`).get(limit)?.n ?? 0);
  return removal;
}
