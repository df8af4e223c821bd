import type { Row } from '../columns.ts';
import { pageCursor, toPage } from '../page.ts';
import type { Page } from '../records.ts';
import { all, type Op } from './op.ts';

/**
 * Newest-first pages keyed by id (ids sort by time). `iterator` continues to
 * older rows; an iterator starting with `-` goes back to newer ones.
 */
export function* pageById<T extends { id: string }>(
  table: 'applications' | 'endpoints' | 'messages' | 'attempts' | 'rejected_requests' | 'bulk_jobs',
  where: string[],
  params: readonly unknown[],
  limit: number,
  iterator: string | undefined,
  map: (row: Row) => T,
): Op<Page<T>> {
  const cursor = pageCursor(iterator);
  const conditions = [...where];
  const values = [...params];
  if (cursor) {
    conditions.push(cursor.backwards ? 'id > ?' : 'id < ?');
    values.push(cursor.id);
  }
  values.push(limit + 1);
  const filter = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const rows = yield* all(`SELECT * FROM ${table} ${filter} ORDER BY id ${cursor?.backwards ? 'ASC' : 'DESC'} LIMIT ?`, values);
  return toPage(rows.map(map), limit, iterator);
}
