import { endpointMatches } from '../../delivery/routing.ts';
import { newId } from '../ids.ts';
import { pageCursor, toPage } from '../page.ts';
import type { Endpoint, Message, Page } from '../records.ts';
import type { IngestOutcome, MessageQuery, NewMessage } from '../store.ts';
import { listEndpoints } from './applications.ts';
import { json, type Row, type SqliteDb } from './db.ts';
import { toMessage } from './rows.ts';

const INSERT_MESSAGE = `INSERT INTO messages (id, app_id, source, event_type, event_id, ordering_key, sequence, payload,
  content_type, headers, channels, state, error, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const INSERT_DELIVERY = `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, state, attempts, next_attempt_at,
  ordering_key, sequence, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?)`;

/** One durable transaction for the whole batch; each item in its own savepoint. */
export function ingest(db: SqliteDb, batch: NewMessage[]): IngestOutcome[] {
  const now = Date.now();
  const endpointsByApp = new Map<string, Endpoint[]>();
  const one = db.raw.transaction((item: NewMessage): IngestOutcome => {
    if (item.eventId !== null && item.dedupeUntil !== null) {
      const seen = db.stmt('SELECT message_id, expires_at FROM dedupe WHERE scope = ? AND event_id = ?').get(item.dedupeScope, item.eventId);
      if (seen && (seen.expires_at as number) > now) return { messageId: seen.message_id as string, duplicate: true };
    }
    const id = newId('msg');
    db.stmt(INSERT_MESSAGE).run(
      id, item.appId, item.source, item.eventType, item.eventId, item.orderingKey, item.sequence, item.payload,
      item.contentType, json(item.headers), json(item.channels), item.state, item.error, now,
    );
    if (item.eventId !== null && item.dedupeUntil !== null) {
      db.stmt('INSERT OR REPLACE INTO dedupe (scope, event_id, message_id, expires_at) VALUES (?, ?, ?, ?)')
        .run(item.dedupeScope, item.eventId, id, item.dedupeUntil);
    }
    let deliveries = 0;
    if (item.state === 'accepted') {
      let endpoints = endpointsByApp.get(item.appId);
      if (!endpoints) {
        endpoints = listEndpoints(db, item.appId);
        endpointsByApp.set(item.appId, endpoints);
      }
      for (const ep of endpoints) {
        if (!endpointMatches(ep, item.eventType, item.channels)) continue;
        db.stmt(INSERT_DELIVERY).run(newId('dlv'), id, ep.id, item.appId, now, item.orderingKey, item.sequence, now, now);
        deliveries++;
      }
    }
    return { messageId: id, duplicate: false, deliveries };
  });
  return db.tx(true, () =>
    batch.map((item) => {
      try {
        return one(item);
      } catch (err) {
        return { error: new Error('could not store the message', { cause: err }) };
      }
    }),
  );
}

export function getMessage(db: SqliteDb, appId: string, messageId: string): Message | null {
  const row = db.stmt('SELECT * FROM messages WHERE app_id = ? AND id = ?').get(appId, messageId);
  return row ? toMessage(row) : null;
}

export function listMessages(db: SqliteDb, q: MessageQuery): Page<Message> {
  const where = ['app_id = ?'];
  const params: unknown[] = [q.appId];
  if (q.source !== undefined) {
    where.push('source = ?');
    params.push(q.source);
  }
  if (q.eventTypes && q.eventTypes.length > 0) {
    where.push(`event_type IN (${q.eventTypes.map(() => '?').join(', ')})`);
    params.push(...q.eventTypes);
  }
  if (q.state !== undefined) {
    where.push('state = ?');
    params.push(q.state);
  }
  if (q.before !== undefined) {
    where.push('received_at < ?');
    params.push(q.before);
  }
  if (q.after !== undefined) {
    where.push('received_at > ?');
    params.push(q.after);
  }
  return pageById(db, 'messages', where, params, q.limit, q.iterator, toMessage);
}

/**
 * Newest-first pages keyed by id (ids sort by time). `iterator` continues to
 * older rows; an iterator starting with `-` goes back to newer ones.
 */
export function pageById<T extends { id: string }>(
  db: SqliteDb,
  table: 'messages' | 'attempts',
  where: string[],
  params: unknown[],
  limit: number,
  iterator: string | undefined,
  map: (row: Row) => T,
): Page<T> {
  const cursor = pageCursor(iterator);
  const conditions = [...where];
  const values = [...params];
  if (cursor) {
    conditions.push(cursor.backwards ? 'id > ?' : 'id < ?');
    values.push(cursor.id);
  }
  const sql = `SELECT * FROM ${table} WHERE ${conditions.join(' AND ')} ORDER BY id ${cursor?.backwards ? 'ASC' : 'DESC'} LIMIT ?`;
  return toPage(db.stmt(sql).all(...values, limit + 1).map(map), limit, iterator);
}

/** See `Store.replay`. */
export function replay(db: SqliteDb, appId: string, messageId: string, endpointId: string | null, now: number): number {
  return db.tx(true, () => {
    const message = getMessage(db, appId, messageId);
    if (!message) return 0;
    const targets = listEndpoints(db, appId).filter((ep) =>
      endpointId !== null ? ep.id === endpointId : endpointMatches(ep, message.eventType, message.channels),
    );
    let queued = 0;
    for (const ep of targets) {
      const result = db.stmt(`INSERT INTO deliveries (id, message_id, endpoint_id, app_id, state, attempts, next_attempt_at,
          ordering_key, sequence, manual, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?, 1, ?, ?)
        ON CONFLICT (message_id, endpoint_id) DO UPDATE SET
          state = 'pending', manual = 1, next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at
        WHERE deliveries.state IN ('succeeded', 'dead', 'skipped', 'scheduled')`)
        .run(newId('dlv'), messageId, ep.id, appId, now, message.orderingKey, message.sequence, now, now);
      queued += result.changes;
    }
    return queued;
  });
}
