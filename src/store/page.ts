import type { Page } from './records.ts';

/**
 * Where an `iterator` points: rows older than `id`, or (a leading `-`) newer
 * ones. Both stores page newest first by id, since ids sort by time.
 */
export function pageCursor(iterator: string | undefined): { id: string; backwards: boolean } | undefined {
  if (!iterator) return undefined;
  const backwards = iterator.startsWith('-');
  return { id: backwards ? iterator.slice(1) : iterator, backwards };
}

/**
 * Builds a page from up to `limit + 1` rows read in cursor order (newest first,
 * or oldest first when going back); the extra row only says whether more follow.
 */
export function toPage<T extends { id: string }>(rows: T[], limit: number, iterator: string | undefined): Page<T> {
  const backwards = pageCursor(iterator)?.backwards === true;
  const more = rows.length > limit;
  const data = rows.slice(0, limit);
  if (backwards) data.reverse();
  const first = data[0];
  const last = data[data.length - 1];
  return {
    data,
    iterator: last ? last.id : (iterator ?? null),
    prevIterator: first ? `-${first.id}` : null,
    done: backwards ? false : !more,
  };
}
