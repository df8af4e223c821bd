import type { Page } from './records.ts';

/**
 * A page of rows keyed by name (event types), built from up to `limit + 1`
 * rows read in cursor order: ascending, or descending when the iterator starts
 * with `-` (going back). The extra row only says whether more follow.
 */
export function toNamePage<T extends { name: string }>(rows: T[], limit: number, iterator: string | undefined): Page<T> {
  const back = iterator?.startsWith('-') === true;
  const data = rows.slice(0, limit);
  if (back) data.reverse();
  return {
    data,
    iterator: data.length ? (data[data.length - 1] as T).name : (iterator ?? null),
    prevIterator: data.length ? `-${(data[0] as T).name}` : null,
    done: back ? false : rows.length <= limit,
  };
}
