import type { Created, EventType, EventTypeInput, ListQuery } from '../outbound.ts';
import { toNamePage } from '../name-page.ts';
import type { Page } from '../records.ts';
import { json, type PgDb, type Queryable, type Row } from './db.ts';
import { num } from './rows.ts';

function toEventType(r: Row): EventType {
  return {
    name: r.name as string,
    description: r.description as string,
    schemas: (r.schemas as Record<string, unknown> | null) ?? null,
    deprecated: r.deprecated === true,
    archived: r.archived === true,
    featureFlag: (r.feature_flag as string | null) ?? null,
    groupName: (r.group_name as string | null) ?? null,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export async function getEventType(db: Queryable, name: string): Promise<EventType | null> {
  const [row] = await db.query('SELECT * FROM event_types WHERE name = $1', [name]);
  return row ? toEventType(row) : null;
}

export async function createEventType(db: PgDb, e: EventTypeInput, now: number): Promise<Created<EventType>> {
  const [row] = await db.query(`INSERT INTO event_types (name, description, schemas, deprecated, archived, feature_flag, group_name,
    created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (name) DO NOTHING RETURNING *`,
  [e.name, e.description, json(e.schemas), e.deprecated, e.archived, e.featureFlag, e.groupName, now]);
  return row ? { ok: toEventType(row) } : { conflict: `event type "${e.name}" exists` };
}

export async function updateEventType(db: PgDb, e: EventTypeInput, now: number): Promise<EventType | null> {
  const [row] = await db.query(`UPDATE event_types SET description = $2, schemas = $3, deprecated = $4, archived = $5, feature_flag = $6,
    group_name = $7, updated_at = $8 WHERE name = $1 RETURNING *`,
  [e.name, e.description, json(e.schemas), e.deprecated, e.archived, e.featureFlag, e.groupName, now]);
  return row ? toEventType(row) : null;
}

export async function deleteEventType(db: PgDb, name: string): Promise<boolean> {
  return (await db.run('DELETE FROM event_types WHERE name = $1', [name])) > 0;
}

/** Pages in name order; the iterator is the last name seen (a leading `-` goes back). */
export async function listEventTypes(db: Queryable, q: ListQuery & { includeArchived: boolean }): Promise<Page<EventType>> {
  const back = q.iterator?.startsWith('-') === true;
  const from = q.iterator === undefined ? undefined : back ? q.iterator.slice(1) : q.iterator;
  const where: string[] = [];
  const params: unknown[] = [];
  if (!q.includeArchived) where.push('NOT archived');
  if (from !== undefined) {
    params.push(from);
    where.push(`name ${back ? '<' : '>'} $${params.length}`);
  }
  params.push(q.limit + 1);
  const sql = `SELECT * FROM event_types ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name ${back ? 'DESC' : 'ASC'} LIMIT $${params.length}`;
  const rows = (await db.query(sql, params)).map(toEventType);
  return toNamePage(rows, q.limit, q.iterator);
}
