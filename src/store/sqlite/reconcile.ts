import { newId } from '../ids.ts';
import { pageCursor, toPage } from '../page.ts';
import type { Page } from '../records.ts';
import type { ReconcileRun } from '../reconcile.ts';
import { parseJson, type Row, type SqliteDb } from './db.ts';

function toRun(r: Row): ReconcileRun {
  return {
    id: r.id as string, source: r.source as string, startedAt: r.started_at as number, finishedAt: (r.finished_at as number | null) ?? null,
    checked: r.checked as number, missing: r.missing as number, ingested: r.ingested as number,
    missingIds: parseJson<string[]>(r.missing_ids, []), errors: parseJson<string[]>(r.errors, []), state: r.state as ReconcileRun['state'],
  };
}

export function seenEventIds(db: SqliteDb, scope: string, eventIds: string[], now: number): Set<string> {
  const seen = new Set<string>();
  for (let i = 0; i < eventIds.length; i += 500) {
    const chunk = eventIds.slice(i, i + 500);
    const rows = db.raw.prepare(`SELECT event_id FROM dedupe WHERE scope = ? AND expires_at > ? AND event_id IN (${chunk.map(() => '?').join(', ')})`)
      .all(scope, now, ...chunk) as Row[];
    for (const r of rows) seen.add(r.event_id as string);
  }
  return seen;
}

export function startReconcileRun(db: SqliteDb, source: string, now: number): ReconcileRun {
  const id = newId('recon');
  db.stmt(`INSERT INTO reconcile_runs (id, source, started_at, state) VALUES (?, ?, ?, 'running')`).run(id, source, now);
  return toRun(db.stmt('SELECT * FROM reconcile_runs WHERE id = ?').get(id) as Row);
}

export function finishReconcileRun(db: SqliteDb, run: ReconcileRun): void {
  db.stmt(`UPDATE reconcile_runs SET finished_at = ?, checked = ?, missing = ?, ingested = ?, missing_ids = ?, errors = ?, state = ? WHERE id = ?`)
    .run(run.finishedAt, run.checked, run.missing, run.ingested, JSON.stringify(run.missingIds), JSON.stringify(run.errors), run.state, run.id);
}

export function listReconcileRuns(db: SqliteDb, query: { source?: string; limit: number; iterator?: string }): Page<ReconcileRun> {
  const conditions = ['1 = 1'];
  const values: unknown[] = [];
  if (query.source !== undefined) conditions.push('source = ?'), values.push(query.source);
  const cursor = pageCursor(query.iterator);
  if (cursor) conditions.push(`id ${cursor.backwards ? '>' : '<'} ?`), values.push(cursor.id);
  const rows = db.raw.prepare(`SELECT * FROM reconcile_runs WHERE ${conditions.join(' AND ')} ORDER BY id ${cursor?.backwards ? 'ASC' : 'DESC'} LIMIT ?`)
    .all(...values, query.limit + 1) as Row[];
  return toPage(rows.map(toRun), query.limit, query.iterator);
}

export function latestReconcileRuns(db: SqliteDb): ReconcileRun[] {
  return (db.stmt(`SELECT r.* FROM reconcile_runs r JOIN (SELECT source, max(id) AS id FROM reconcile_runs WHERE state <> 'running' GROUP BY source) l
    ON l.id = r.id ORDER BY r.source`).all() as Row[]).map(toRun);
}
