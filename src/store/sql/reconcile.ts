import { jsonOr, num, numOrNull, type Row } from '../columns.ts';
import { newId } from '../ids.ts';
import { pageCursor, toPage } from '../page.ts';
import type { Page } from '../records.ts';
import type { ReconcileRun } from '../reconcile.ts';
import { all, get, type Op, run } from './op.ts';

function toRun(r: Row): ReconcileRun {
  return {
    id: r.id as string,
    source: r.source as string,
    startedAt: num(r.started_at),
    finishedAt: numOrNull(r.finished_at),
    checked: num(r.checked),
    missing: num(r.missing),
    ingested: num(r.ingested),
    missingIds: jsonOr<string[]>(r.missing_ids, []),
    errors: jsonOr<string[]>(r.errors, []),
    state: r.state as ReconcileRun['state'],
  };
}

/** Which of these provider event ids the source's dedupe window still holds (asked in chunks, under both databases' parameter limits). */
export function* seenEventIds(scope: string, eventIds: string[], now: number): Op<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < eventIds.length; i += 500) {
    const chunk = eventIds.slice(i, i + 500);
    const rows = yield* all(
      `SELECT event_id FROM dedupe WHERE scope = ? AND expires_at > ? AND event_id IN (${chunk.map(() => '?').join(', ')})`,
      [scope, now, ...chunk],
    );
    for (const r of rows) seen.add(r.event_id as string);
  }
  return seen;
}

export function* startReconcileRun(source: string, now: number): Op<ReconcileRun> {
  const row = yield* get(`INSERT INTO reconcile_runs (id, source, started_at, state) VALUES (?, ?, ?, 'running') RETURNING *`, [
    newId('recon'),
    source,
    now,
  ]);
  return toRun(row as Row);
}

export function* finishReconcileRun(r: ReconcileRun): Op<void> {
  yield* run(
    `UPDATE reconcile_runs SET finished_at = ?, checked = ?, missing = ?, ingested = ?, missing_ids = ?, errors = ?, state = ? WHERE id = ?`,
    [r.finishedAt, r.checked, r.missing, r.ingested, JSON.stringify(r.missingIds), JSON.stringify(r.errors), r.state, r.id],
  );
}

export function* listReconcileRuns(query: { source?: string; limit: number; iterator?: string }): Op<Page<ReconcileRun>> {
  const conditions = ['1 = 1'];
  const values: unknown[] = [];
  if (query.source !== undefined) {
    conditions.push('source = ?');
    values.push(query.source);
  }
  const cursor = pageCursor(query.iterator);
  if (cursor) {
    conditions.push(`id ${cursor.backwards ? '>' : '<'} ?`);
    values.push(cursor.id);
  }
  values.push(query.limit + 1);
  const rows = yield* all(
    `SELECT * FROM reconcile_runs WHERE ${conditions.join(' AND ')} ORDER BY id ${cursor?.backwards ? 'ASC' : 'DESC'} LIMIT ?`,
    values,
  );
  return toPage(rows.map(toRun), query.limit, query.iterator);
}

/** Each source's last finished run. */
export function* latestReconcileRuns(): Op<ReconcileRun[]> {
  const rows =
    yield* all(`SELECT r.* FROM reconcile_runs r JOIN (SELECT source, max(id) AS id FROM reconcile_runs WHERE state <> 'running' GROUP BY source) l
    ON l.id = r.id ORDER BY r.source`);
  return rows.map(toRun);
}
