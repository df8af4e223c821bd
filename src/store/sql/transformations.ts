import type { Transformation } from '../records.ts';
import type { SourceTransformation } from '../transformations.ts';
import { bool, num } from '../columns.ts';
import { get, json, type Op, run } from './op.ts';

export function* setEndpointTransformation(appId: string, endpointId: string, t: Transformation | null, now: number): Op<boolean> {
  const changed = yield* run('UPDATE endpoints SET transformation = ?, updated_at = ? WHERE app_id = ? AND id = ?', [
    t === null ? null : json({ code: t.code, enabled: t.enabled }),
    now,
    appId,
    endpointId,
  ]);
  return changed > 0;
}

export function* getSourceTransformation(source: string): Op<SourceTransformation | null> {
  const row = yield* get('SELECT * FROM source_transformations WHERE source = ?', [source]);
  if (!row) return null;
  return { source, code: row.code as string, enabled: bool(row.enabled), updatedAt: num(row.updated_at) };
}

export function* setSourceTransformation(source: string, t: Transformation | null, now: number): Op<void> {
  if (t === null) yield* run('DELETE FROM source_transformations WHERE source = ?', [source]);
  else {
    yield* run(
      `INSERT INTO source_transformations (source, code, enabled, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (source) DO UPDATE SET code = excluded.code, enabled = excluded.enabled, updated_at = excluded.updated_at`,
      [source, t.code, t.enabled, now],
    );
  }
}
