import type { Created, EventType, EventTypeInput, ListQuery } from '../outbound.ts';
import { toNamePage } from '../name-page.ts';
import type { Page } from '../records.ts';
import { json, parseJson, type Row, type SqliteDb } from './db.ts';

function toEventType(r: Row): EventType {
  return {
    name: r.name as string,
    description: r.description as string,
    schemas: parseJson(r.schemas, null),
    deprecated: r.deprecated === 1,
    archived: r.archived === 1,
    featureFlag: (r.feature_flag as string | null) ?? null,
    groupName: (r.group_name as string | null) ?? null,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

export function getEventType(db: SqliteDb, name: string): EventType | null {
  const row = db.stmt('SELECT * FROM event_types WHERE name = ?').get(name);
  return row ? toEventType(row) : null;
}

export function createEventType(db: SqliteDb, e: EventTypeInput, now: number): Created<EventType> {
  return db.tx(true, () => {
    if (getEventType(db, e.name)) return { conflict: `event type "${e.name}" exists` };
    db.stmt(`INSERT INTO event_types (name, description, schemas, deprecated, archived, feature_flag, group_name, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(e.name, e.description, json(e.schemas), e.deprecated ? 1 : 0, e.archived ? 1 : 0,
      e.featureFlag, e.groupName, now, now);
    return { ok: getEventType(db, e.name) as EventType };
  });
}

export function updateEventType(db: SqliteDb, e: EventTypeInput, now: number): EventType | null {
  return db.tx(true, () => {
    const changed = db.stmt(`UPDATE event_types SET description = ?, schemas = ?, deprecated = ?, archived = ?, feature_flag = ?,
      group_name = ?, updated_at = ? WHERE name = ?`).run(e.description, json(e.schemas), e.deprecated ? 1 : 0, e.archived ? 1 : 0,
      e.featureFlag, e.groupName, now, e.name).changes;
    return changed > 0 ? getEventType(db, e.name) : null;
  });
}

export function deleteEventType(db: SqliteDb, name: string): boolean {
  return db.tx(true, () => db.stmt('DELETE FROM event_types WHERE name = ?').run(name).changes > 0);
}

/** Pages in name order; the iterator is the last name seen (a leading `-` goes back). */
export function listEventTypes(db: SqliteDb, q: ListQuery & { includeArchived: boolean }): Page<EventType> {
  const back = q.iterator?.startsWith('-') === true;
  const from = q.iterator === undefined ? undefined : back ? q.iterator.slice(1) : q.iterator;
  const where: string[] = [];
  const params: unknown[] = [];
  if (!q.includeArchived) where.push('archived = 0');
  if (from !== undefined) {
    where.push(back ? 'name < ?' : 'name > ?');
    params.push(from);
  }
  const sql = `SELECT * FROM event_types ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name ${back ? 'DESC' : 'ASC'} LIMIT ?`;
  const rows = db.stmt(sql).all(...params, q.limit + 1).map(toEventType);
  return toNamePage(rows, q.limit, q.iterator);
}
