import type { Message, Page } from '../records.ts';
import { toMessage } from '../rows.ts';
import type { MessageQuery } from '../store.ts';
import type { SqlDialect } from './dialect.ts';
import { get, type Op } from './op.ts';
import { pageById } from './paging.ts';

export function* getMessage(appId: string, messageId: string): Op<Message | null> {
  const row = yield* get('SELECT * FROM messages WHERE app_id = ? AND id = ?', [appId, messageId]);
  return row ? toMessage(row) : null;
}

export function* getMessageByEventId(appId: string, eventId: string): Op<Message | null> {
  const row = yield* get('SELECT * FROM messages WHERE app_id = ? AND event_id = ? ORDER BY id DESC LIMIT 1', [appId, eventId]);
  return row ? toMessage(row) : null;
}

/** A message by id in any application (the console's look-up). */
export function* findMessage(messageId: string): Op<Message | null> {
  const row = yield* get('SELECT * FROM messages WHERE id = ?', [messageId]);
  return row ? toMessage(row) : null;
}

export function* listMessages(dialect: SqlDialect, q: MessageQuery): Op<Page<Message>> {
  const where = ['app_id = ?'];
  const params: unknown[] = [q.appId];
  const add = (sql: string, value: unknown): void => {
    where.push(sql);
    params.push(value);
  };
  if (q.source !== undefined) add('source = ?', q.source);
  if (q.eventTypes && q.eventTypes.length > 0) {
    where.push(`event_type IN (${q.eventTypes.map(() => '?').join(', ')})`);
    params.push(...q.eventTypes);
  }
  if (q.channel !== undefined) add(dialect.jsonArrayHas('messages.channels'), q.channel);
  if (q.state !== undefined) add('state = ?', q.state);
  if (q.before !== undefined) add('received_at < ?', q.before);
  if (q.after !== undefined) add('received_at > ?', q.after);
  return yield* pageById('messages', where, params, q.limit, q.iterator, toMessage);
}
