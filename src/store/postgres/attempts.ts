import type { Attempt, Page } from '../records.ts';
import type { AttemptQuery } from '../store.ts';
import type { Queryable } from './db.ts';
import { pageById } from './messages.ts';
import { toAttempt } from './rows.ts';

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
  return pageById(db, 'attempts', where, params, q.limit, q.iterator, toAttempt);
}

export async function getAttempt(db: Queryable, appId: string, attemptId: string): Promise<Attempt | null> {
  const [row] = await db.query('SELECT * FROM attempts WHERE app_id = $1 AND id = $2', [appId, attemptId]);
  return row ? toAttempt(row) : null;
}
