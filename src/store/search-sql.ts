import { SEARCH_WINDOW, type MessageSearch, type SearchPage } from './console.ts';
import { idFloor } from './ids.ts';
import { pageCursor, toPage } from './page.ts';
import type { Message } from './records.ts';

type Row = Record<string, unknown>;

/** What differs between the dialects in a message search. */
export interface SearchDialect {
  /** The n-th (1-based) bound parameter. */
  param(n: number): string;
  /** A condition: the payload contains the bytes of parameter `p`. */
  contains(p: string): string;
  /** A condition: the event type is one of `types`, bound with `bind`. */
  typeIn(types: string[], bind: (value: unknown) => string): string;
}

/**
 * The WHERE clause of a message search and its parameters. Time bounds become
 * id bounds (ids begin with the receive time), so every search walks the
 * primary key newest first and stops at the page's end instead of sorting.
 */
export function searchWhere(q: MessageSearch, d: SearchDialect, withText: boolean): { where: string[]; params: unknown[] } {
  const params: unknown[] = [];
  const p = (value: unknown): string => {
    params.push(value);
    return d.param(params.length);
  };
  const where: string[] = [];
  if (q.appId !== undefined) where.push(`app_id = ${p(q.appId)}`);
  if (q.source !== undefined) where.push(`source = ${p(q.source)}`);
  if (q.eventTypes && q.eventTypes.length > 0) where.push(d.typeIn(q.eventTypes, p));
  if (q.state !== undefined) where.push(`state = ${p(q.state)}`);
  if (q.eventId !== undefined) where.push(`event_id = ${p(q.eventId)}`);
  if (q.after !== undefined) where.push(`id >= ${p(idFloor('msg', q.after))}`);
  if (q.before !== undefined) where.push(`id < ${p(idFloor('msg', q.before))}`);
  if (q.deliveryState === 'dead') {
    // Dead letters are few: read them from their partial index instead of testing every message.
    where.push(
      `id IN (SELECT d.message_id FROM deliveries d WHERE d.state = 'dead'${q.endpointId !== undefined ? ` AND d.endpoint_id = ${p(q.endpointId)}` : ''})`,
    );
  } else if (q.deliveryState !== undefined || q.endpointId !== undefined) {
    const conds = ['d.message_id = messages.id'];
    if (q.deliveryState !== undefined) conds.push(`d.state = ${p(q.deliveryState)}`);
    if (q.endpointId !== undefined) conds.push(`d.endpoint_id = ${p(q.endpointId)}`);
    where.push(`EXISTS (SELECT 1 FROM deliveries d WHERE ${conds.join(' AND ')})`);
  }
  const cursor = pageCursor(q.iterator);
  if (cursor) where.push(`id ${cursor.backwards ? '>' : '<'} ${p(cursor.id)}`);
  if (withText && q.text) where.push(d.contains(p(q.text)));
  if (where.length === 0) where.push('1 = 1');
  return { where, params };
}

/**
 * Runs a search with the dialect's query function. A payload search reads at
 * most `SEARCH_WINDOW` messages per request (newest first, after the other
 * filters): when the page is not full by then, it answers what it found with
 * an iterator at the window's end, so a rare match never costs a scan of
 * everything in one request.
 */
export async function runSearch(
  q: MessageSearch,
  d: SearchDialect,
  query: (sql: string, params: unknown[]) => Promise<Row[]>,
  toMessage: (row: Row) => Message,
): Promise<SearchPage> {
  const backwards = pageCursor(q.iterator)?.backwards === true;
  if (!q.text) {
    const { where, params } = searchWhere(q, d, false);
    const sql = `SELECT * FROM messages WHERE ${where.join(' AND ')} ORDER BY id ${backwards ? 'ASC' : 'DESC'} LIMIT ${d.param(params.length + 1)}`;
    return toPage((await query(sql, [...params, q.limit + 1])).map(toMessage), q.limit, q.iterator);
  }
  const forward = { ...q, iterator: backwards ? undefined : q.iterator };
  const base = searchWhere(forward, d, false);
  const edge = await query(
    `SELECT id FROM messages WHERE ${base.where.join(' AND ')} ORDER BY id DESC LIMIT 1 OFFSET ${d.param(base.params.length + 1)}`,
    [...base.params, SEARCH_WINDOW - 1],
  );
  const windowEnd = edge[0]?.id as string | undefined;
  const full = searchWhere(forward, d, true);
  if (windowEnd !== undefined) {
    full.params.push(windowEnd);
    full.where.push(`id >= ${d.param(full.params.length)}`);
  }
  const rows = (
    await query(`SELECT * FROM messages WHERE ${full.where.join(' AND ')} ORDER BY id DESC LIMIT ${d.param(full.params.length + 1)}`, [
      ...full.params,
      q.limit + 1,
    ])
  ).map(toMessage);
  if (rows.length > q.limit) return { ...toPage(rows, q.limit, forward.iterator), prevIterator: null, scanned: SEARCH_WINDOW };
  return {
    data: rows,
    iterator: windowEnd ?? rows[rows.length - 1]?.id ?? null,
    prevIterator: null,
    done: windowEnd === undefined,
    scanned: windowEnd === undefined ? rows.length : SEARCH_WINDOW,
  };
}
