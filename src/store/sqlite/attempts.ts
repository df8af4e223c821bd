import type { Attempt, Page } from '../records.ts';
import type { AttemptQuery } from '../store.ts';
import type { SqliteDb } from './db.ts';
import { pageById } from './messages.ts';
import { toAttempt } from '../rows.ts';

export function listAttempts(db: SqliteDb, q: AttemptQuery): Page<Attempt> {
  const where = ['app_id = ?'];
  const params: unknown[] = [q.appId];
  if (q.messageId !== undefined) {
    where.push('message_id = ?');
    params.push(q.messageId);
  }
  if (q.endpointId !== undefined) {
    where.push('endpoint_id = ?');
    params.push(q.endpointId);
  }
  if (q.succeeded !== undefined) {
    where.push('succeeded = ?');
    params.push(q.succeeded ? 1 : 0);
  }
  if (q.before !== undefined) {
    where.push('started_at < ?');
    params.push(q.before);
  }
  if (q.after !== undefined) {
    where.push('started_at > ?');
    params.push(q.after);
  }
  if (q.statusClass === 0) where.push('status IS NULL');
  else if (q.statusClass !== undefined) {
    where.push('status >= ? AND status < ?');
    params.push(q.statusClass, q.statusClass + 100);
  }
  // Type and channel belong to the message: filtered through it.
  if ((q.eventTypes && q.eventTypes.length > 0) || q.channel !== undefined) {
    const of: string[] = [];
    if (q.eventTypes && q.eventTypes.length > 0) {
      of.push(`m.event_type IN (${q.eventTypes.map(() => '?').join(', ')})`);
      params.push(...q.eventTypes);
    }
    if (q.channel !== undefined) {
      of.push('EXISTS (SELECT 1 FROM json_each(m.channels) WHERE value = ?)');
      params.push(q.channel);
    }
    where.push(`message_id IN (SELECT m.id FROM messages m WHERE m.app_id = attempts.app_id AND ${of.join(' AND ')})`);
  }
  return pageById(db, 'attempts', where, params, q.limit, q.iterator, toAttempt);
}

export function getAttempt(db: SqliteDb, appId: string, attemptId: string): Attempt | null {
  const row = db.stmt('SELECT * FROM attempts WHERE app_id = ? AND id = ?').get(appId, attemptId);
  return row ? toAttempt(row) : null;
}
