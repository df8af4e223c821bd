import type { Created, EventType, EventTypeInput, ListQuery } from '../management.ts';
import { toNamePage } from '../name-page.ts';
import type { Page } from '../records.ts';
import { bool, jsonOr, num, type Row, strOrNull } from '../columns.ts';
import { all, get, json, type Op, run } from './op.ts';

function toEventType(r: Row): EventType {
  return {
    name: r.name as string,
    description: r.description as string,
    schemas: jsonOr(r.schemas, null),
    deprecated: bool(r.deprecated),
    archived: bool(r.archived),
    featureFlag: strOrNull(r.feature_flag),
    groupName: strOrNull(r.group_name),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function* getEventType(name: string): Op<EventType | null> {
  const row = yield* get('SELECT * FROM event_types WHERE name = ?', [name]);
  return row ? toEventType(row) : null;
}

export function* createEventType(e: EventTypeInput, now: number): Op<Created<EventType>> {
  const row = yield* get(
    `INSERT INTO event_types (name, description, schemas, deprecated, archived, feature_flag, group_name,
    created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING *`,
    [e.name, e.description, json(e.schemas), e.deprecated, e.archived, e.featureFlag, e.groupName, now, now],
  );
  return row ? { ok: toEventType(row) } : { conflict: `event type "${e.name}" exists` };
}

export function* updateEventType(e: EventTypeInput, now: number): Op<EventType | null> {
  const row = yield* get(
    `UPDATE event_types SET description = ?, schemas = ?, deprecated = ?, archived = ?, feature_flag = ?,
    group_name = ?, updated_at = ? WHERE name = ? RETURNING *`,
    [e.description, json(e.schemas), e.deprecated, e.archived, e.featureFlag, e.groupName, now, e.name],
  );
  return row ? toEventType(row) : null;
}

export function* deleteEventType(name: string): Op<boolean> {
  return (yield* run('DELETE FROM event_types WHERE name = ?', [name])) > 0;
}

/** Pages in name order; the iterator is the last name seen (a leading `-` goes back). */
export function* listEventTypes(q: ListQuery & { includeArchived: boolean }): Op<Page<EventType>> {
  const back = q.iterator?.startsWith('-') === true;
  const from = q.iterator === undefined ? undefined : back ? q.iterator.slice(1) : q.iterator;
  const where: string[] = [];
  const params: unknown[] = [];
  if (!q.includeArchived) {
    where.push('archived = ?');
    params.push(false);
  }
  if (from !== undefined) {
    where.push(back ? 'name < ?' : 'name > ?');
    params.push(from);
  }
  params.push(q.limit + 1);
  const sql = `SELECT * FROM event_types ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name ${back ? 'DESC' : 'ASC'} LIMIT ?`;
  return toNamePage((yield* all(sql, params)).map(toEventType), q.limit, q.iterator);
}
