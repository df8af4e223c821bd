import type { Transformation } from '../records.ts';
import type { SourceTransformation } from '../transformations.ts';
import { json, type SqliteDb } from './db.ts';

export function setEndpointTransformation(db: SqliteDb, appId: string, endpointId: string, t: Transformation | null, now: number): boolean {
  return db.tx(true, () => db.stmt('UPDATE endpoints SET transformation = ?, updated_at = ? WHERE app_id = ? AND id = ?')
    .run(t === null ? null : json({ code: t.code, enabled: t.enabled }), now, appId, endpointId).changes > 0);
}

export function getSourceTransformation(db: SqliteDb, source: string): SourceTransformation | null {
  const row = db.stmt('SELECT * FROM source_transformations WHERE source = ?').get(source);
  if (!row) return null;
  return { source, code: row.code as string, enabled: row.enabled === 1, updatedAt: row.updated_at as number };
}

export function setSourceTransformation(db: SqliteDb, source: string, t: Transformation | null, now: number): void {
  db.tx(true, () => {
    if (t === null) db.stmt('DELETE FROM source_transformations WHERE source = ?').run(source);
    else {
      db.stmt(`INSERT INTO source_transformations (source, code, enabled, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (source) DO UPDATE SET code = excluded.code, enabled = excluded.enabled, updated_at = excluded.updated_at`)
        .run(source, t.code, t.enabled ? 1 : 0, now);
    }
  });
}
