import { newId } from '../ids.ts';
import { pageCursor, toPage } from '../page.ts';
import type { Page } from '../records.ts';
import type { ReconcileRun } from '../reconcile.ts';
import type { Queryable, Row } from './db.ts';
import { num, numOrNull } from '../columns.ts';

function toRun(r: Row): ReconcileRun {
  return {
    id: r.id as string, source: r.source as string, startedAt: num(r.started_at), finishedAt: numOrNull(r.finished_at),
    checked: num(r.checked), missing: num(r.missing), ingested: num(r.ingested),
    missingIds: JSON.parse(r.missing_ids as string) as string[], errors: JSON.parse(r.errors as string) as string[], state: r.state as ReconcileRun['state'],
  };
}

export async function seenEventIds(db: Queryable, scope: string, eventIds: string[], now: number): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const rows = await db.query('SELECT event_id FROM dedupe WHERE scope = $1 AND expires_at > $2 AND event_id = ANY($3::text[])', [scope, now, eventIds]);
  return new Set(rows.map((r) => r.event_id as string));
}

export async function startReconcileRun(db: Queryable, source: string, now: number): Promise<ReconcileRun> {
  const [row] = await db.query(`INSERT INTO reconcile_runs (id, source, started_at, state) VALUES ($1, $2, $3, 'running') RETURNING *`, [newId('recon'), source, now]);
  return toRun(row as Row);
}

export async function finishReconcileRun(db: Queryable, run: ReconcileRun): Promise<void> {
  await db.run(`UPDATE reconcile_runs SET finished_at = $1, checked = $2, missing = $3, ingested = $4, missing_ids = $5, errors = $6, state = $7 WHERE id = $8`,
    [run.finishedAt, run.checked, run.missing, run.ingested, JSON.stringify(run.missingIds), JSON.stringify(run.errors), run.state, run.id]);
}

export async function listReconcileRuns(db: Queryable, query: { source?: string; limit: number; iterator?: string }): Promise<Page<ReconcileRun>> {
  const values: unknown[] = [];
  const conditions = ['true'];
  if (query.source !== undefined) conditions.push(`source = $${values.push(query.source)}`);
  const cursor = pageCursor(query.iterator);
  if (cursor) conditions.push(`id ${cursor.backwards ? '>' : '<'} $${values.push(cursor.id)}`);
  const rows = await db.query(`SELECT * FROM reconcile_runs WHERE ${conditions.join(' AND ')} ORDER BY id ${cursor?.backwards ? 'ASC' : 'DESC'}
    LIMIT $${values.push(query.limit + 1)}`, values);
  return toPage(rows.map(toRun), query.limit, query.iterator);
}

export async function latestReconcileRuns(db: Queryable): Promise<ReconcileRun[]> {
  return (await db.query(`SELECT DISTINCT ON (source) * FROM reconcile_runs WHERE state <> 'running' ORDER BY source, id DESC`)).map(toRun);
}
