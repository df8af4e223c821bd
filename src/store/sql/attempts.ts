import type { Attempt, Page } from '../records.ts';
import { toAttempt } from '../rows.ts';
import type { AttemptQuery } from '../store.ts';
import type { SqlDialect } from './dialect.ts';
import { get, type Op } from './op.ts';
import { pageById } from './paging.ts';

export function* listAttempts(dialect: SqlDialect, q: AttemptQuery): Op<Page<Attempt>> {
  const where = ['app_id = ?'];
  const params: unknown[] = [q.appId];
  const add = (sql: string, ...values: unknown[]): void => {
    where.push(sql);
    params.push(...values);
  };
  if (q.messageId !== undefined) add('message_id = ?', q.messageId);
  if (q.endpointId !== undefined) add('endpoint_id = ?', q.endpointId);
  if (q.succeeded !== undefined) add('succeeded = ?', q.succeeded);
  if (q.before !== undefined) add('started_at < ?', q.before);
  if (q.after !== undefined) add('started_at > ?', q.after);
  if (q.statusClass === 0) where.push('status IS NULL');
  else if (q.statusClass !== undefined) add('status >= ? AND status < ?', q.statusClass, q.statusClass + 100);
  // Type and channel belong to the message: filtered through it.
  const of: string[] = [];
  const ofParams: unknown[] = [];
  if (q.eventTypes && q.eventTypes.length > 0) {
    of.push(`m.event_type IN (${q.eventTypes.map(() => '?').join(', ')})`);
    ofParams.push(...q.eventTypes);
  }
  if (q.channel !== undefined) {
    of.push(dialect.jsonArrayHas('m.channels'));
    ofParams.push(q.channel);
  }
  if (of.length > 0)
    add(`message_id IN (SELECT m.id FROM messages m WHERE m.app_id = attempts.app_id AND ${of.join(' AND ')})`, ...ofParams);
  return yield* pageById('attempts', where, params, q.limit, q.iterator, toAttempt);
}

export function* getAttempt(appId: string, attemptId: string): Op<Attempt | null> {
  const row = yield* get('SELECT * FROM attempts WHERE app_id = ? AND id = ?', [appId, attemptId]);
  return row ? toAttempt(row) : null;
}
