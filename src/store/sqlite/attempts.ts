import type { Attempt, Page } from '../records.ts';
import type { AttemptQuery } from '../store.ts';
import type { SqliteDb } from './db.ts';
import { pageById } from './messages.ts';
import { toAttempt } from './rows.ts';

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
  return pageById(db, 'attempts', where, params, q.limit, q.iterator, toAttempt);
}

export function getAttempt(db: SqliteDb, appId: string, attemptId: string): Attempt | null {
  const row = db.stmt('SELECT * FROM attempts WHERE app_id = ? AND id = ?').get(appId, attemptId);
  return row ? toAttempt(row) : null;
}
