import type { Transformation } from '../records.ts';
import type { SourceTransformation } from '../transformations.ts';
import { json, type PgDb } from './db.ts';
import { num } from '../columns.ts';

export async function setEndpointTransformation(db: PgDb, appId: string, endpointId: string, t: Transformation | null, now: number): Promise<boolean> {
  const rows = await db.query('UPDATE endpoints SET transformation = $1, updated_at = $2 WHERE app_id = $3 AND id = $4 RETURNING id',
    [t === null ? null : json({ code: t.code, enabled: t.enabled }), now, appId, endpointId]);
  return rows.length > 0;
}

export async function getSourceTransformation(db: PgDb, source: string): Promise<SourceTransformation | null> {
  const [row] = await db.query('SELECT * FROM source_transformations WHERE source = $1', [source]);
  if (!row) return null;
  return { source, code: row.code as string, enabled: row.enabled === true, updatedAt: num(row.updated_at) };
}

export async function setSourceTransformation(db: PgDb, source: string, t: Transformation | null, now: number): Promise<void> {
  if (t === null) await db.run('DELETE FROM source_transformations WHERE source = $1', [source]);
  else {
    await db.run(`INSERT INTO source_transformations (source, code, enabled, updated_at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (source) DO UPDATE SET code = excluded.code, enabled = excluded.enabled, updated_at = excluded.updated_at`,
    [source, t.code, t.enabled, now]);
  }
}
