import type { Attempt, Page } from '../records.ts';
import type { AttemptQuery } from '../store.ts';
import type { Queryable } from './db.ts';
import { pageById } from './messages.ts';
import { toAttempt } from '../rows.ts';

export async function listAttempts(db: Queryable, q: AttemptQuery): Promise<Page<Attempt>> {
  const where = ['app_id = $1'];
  const params: unknown[] = [q.appId];
  if (q.messageId !== undefined) {
    params.push(q.messageId);
    where.push(`message_id = $${params.length}`);
  }
  if (q.endpointId !== undefined) {
    params.push(q.endpointId);
    where.push(`endpoint_id = $${params.length}`);
  }
  const add = (sql: string, value: unknown): void => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (q.succeeded !== undefined) add('succeeded = ?', q.succeeded);
  if (q.before !== undefined) add('started_at < ?', q.before);
  if (q.after !== undefined) add('started_at > ?', q.after);
  if (q.statusClass === 0) where.push('status IS NULL');
  else if (q.statusClass !== undefined) {
    add('status >= ?', q.statusClass);
    add('status < ?', q.statusClass + 100);
  }
  // Type and channel belong to the message: filtered through it.
  const of: string[] = [];
  if (q.eventTypes && q.eventTypes.length > 0) {
    params.push(q.eventTypes);
    of.push(`m.event_type = ANY($${params.length}::text[])`);
  }
  if (q.channel !== undefined) {
    params.push(q.channel);
    of.push(`m.channels @> jsonb_build_array($${params.length}::text)`);
  }
  if (of.length > 0) where.push(`message_id IN (SELECT m.id FROM messages m WHERE m.app_id = attempts.app_id AND ${of.join(' AND ')})`);
  return pageById(db, 'attempts', where, params, q.limit, q.iterator, toAttempt);
}

export async function getAttempt(db: Queryable, appId: string, attemptId: string): Promise<Attempt | null> {
  const [row] = await db.query('SELECT * FROM attempts WHERE app_id = $1 AND id = $2', [appId, attemptId]);
  return row ? toAttempt(row) : null;
}
