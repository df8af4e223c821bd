import { FAILED_IDS_KEPT, type BulkAction, type BulkFilter, type BulkJob, type BulkReport } from '../bulk-jobs.ts';
import { newId } from '../ids.ts';
import { pageCursor, toPage } from '../page.ts';
import type { Page } from '../records.ts';
import { parseJson, type Row, type SqliteDb } from './db.ts';

/** The filter as SQL over `deliveries d JOIN messages m`, with its values. */
function where(filter: BulkFilter): { sql: string; values: unknown[] } {
  const conditions = [`d.state IN (${filter.status.map(() => '?').join(', ')})`, 'd.created_at < ?'];
  const values: unknown[] = [...filter.status, filter.until];
  if (filter.appId !== null) conditions.push('d.app_id = ?'), values.push(filter.appId);
  if (filter.endpointId !== null) conditions.push('d.endpoint_id = ?'), values.push(filter.endpointId);
  if (filter.since !== null) conditions.push('d.created_at >= ?'), values.push(filter.since);
  if (filter.source !== null) conditions.push('m.source = ?'), values.push(filter.source);
  if (filter.eventTypes !== null) {
    conditions.push(`m.event_type IN (${filter.eventTypes.map(() => '?').join(', ')})`);
    values.push(...filter.eventTypes);
  }
  return { sql: conditions.join(' AND '), values };
}

function toJob(r: Row): BulkJob {
  return {
    id: r.id as string,
    action: r.action as BulkAction,
    filter: parseJson<BulkFilter>(r.filter, {} as BulkFilter),
    state: r.state as BulkJob['state'],
    total: r.total as number,
    done: r.done as number,
    failed: r.failed as number,
    report: parseJson<BulkReport>(r.report, { queued: 0, notQueued: {}, failedIds: [] }),
    requestedBy: (r.requested_by as string | null) ?? null,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
    finishedAt: (r.finished_at as number | null) ?? null,
  };
}

export function countBulkTargets(db: SqliteDb, filter: BulkFilter): number {
  const w = where(filter);
  return db.stmt(`SELECT count(*) AS n FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE ${w.sql}`).get(...w.values)
    ?.n as number;
}

export function createBulkJob(
  db: SqliteDb,
  input: { action: BulkAction; filter: BulkFilter; total: number; requestedBy: string | null },
  now: number,
): BulkJob {
  const id = newId('bulk');
  db.tx(false, () =>
    db
      .stmt(`INSERT INTO bulk_jobs (id, app_id, action, filter, state, total, report, requested_by, created_at, updated_at)
    VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)`)
      .run(
        id,
        input.filter.appId,
        input.action,
        JSON.stringify(input.filter),
        input.total,
        JSON.stringify({ queued: 0, notQueued: {}, failedIds: [] }),
        input.requestedBy,
        now,
        now,
      ),
  );
  return getBulkJob(db, id) as BulkJob;
}

export function getBulkJob(db: SqliteDb, id: string): BulkJob | null {
  const row = db.stmt('SELECT * FROM bulk_jobs WHERE id = ?').get(id);
  return row ? toJob(row) : null;
}

export function listBulkJobs(db: SqliteDb, query: { appIds: string[] | null; limit: number; iterator?: string }): Page<BulkJob> {
  const conditions = ['1 = 1'];
  const values: unknown[] = [];
  if (query.appIds !== null) {
    conditions.push(`app_id IN (${query.appIds.map(() => '?').join(', ') || 'NULL'})`);
    values.push(...query.appIds);
  }
  const cursor = pageCursor(query.iterator);
  if (cursor) conditions.push(`id ${cursor.backwards ? '>' : '<'} ?`), values.push(cursor.id);
  const rows = db.raw
    .prepare(`SELECT * FROM bulk_jobs WHERE ${conditions.join(' AND ')} ORDER BY id ${cursor?.backwards ? 'ASC' : 'DESC'} LIMIT ?`)
    .all(...values, query.limit + 1) as Row[];
  return toPage(rows.map(toJob), query.limit, query.iterator);
}

export function cancelBulkJob(db: SqliteDb, id: string, now: number): BulkJob | null {
  db.tx(false, () =>
    db
      .stmt(`UPDATE bulk_jobs SET state = 'cancelled', finished_at = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
    WHERE id = ? AND state IN ('queued', 'running')`)
      .run(now, now, id),
  );
  return getBulkJob(db, id);
}

export function claimBulkJob(db: SqliteDb, owner: string, now: number, leaseMs: number): BulkJob | null {
  // Polled every second by an idle worker: look first, and open a write transaction only when there is a job to take.
  if (!db.stmt(`SELECT 1 FROM bulk_jobs WHERE state IN ('queued', 'running') LIMIT 1`).get()) return null;
  return db.tx(false, () => {
    const row = db
      .stmt(`SELECT id FROM bulk_jobs WHERE state IN ('queued', 'running') AND (lease_expires_at IS NULL OR lease_expires_at < ?)
      ORDER BY id LIMIT 1`)
      .get(now);
    if (!row) return null;
    db.stmt(`UPDATE bulk_jobs SET state = 'running', lease_owner = ?, lease_expires_at = ?, updated_at = ? WHERE id = ?`).run(
      owner,
      now + leaseMs,
      now,
      row.id,
    );
    return getBulkJob(db, row.id as string);
  });
}

/** Every lease belongs to a process that is gone when this one opens the file. */
export function reclaimBulkLeases(db: SqliteDb): void {
  db.stmt(`UPDATE bulk_jobs SET lease_owner = NULL, lease_expires_at = NULL WHERE state IN ('queued', 'running')`).run();
}

export function runBulkBatch(db: SqliteDb, id: string, owner: string, limit: number, now: number, leaseMs: number): BulkJob | null {
  return db.tx(false, () => {
    const job = db.stmt('SELECT * FROM bulk_jobs WHERE id = ?').get(id);
    if (!job) return null;
    if (job.state !== 'running') return toJob(job);
    if (job.lease_owner !== owner) return null;
    const filter = parseJson<BulkFilter>(job.filter, {} as BulkFilter);
    const w = where(filter);
    const cursor = (job.cursor as string | null) ?? '';
    const rows = db.raw
      .prepare(`SELECT d.id, m.payload IS NULL AS purged FROM deliveries d JOIN messages m ON m.id = d.message_id
      WHERE ${w.sql} AND d.id > ? ORDER BY d.id LIMIT ?`)
      .all(...w.values, cursor, limit) as Row[];
    const report = parseJson<BulkReport>(job.report, { queued: 0, notQueued: {}, failedIds: [] });
    const requeue =
      db.stmt(`UPDATE deliveries SET state = 'pending', manual = 1, next_attempt_at = ?, updated_at = ?, stale = 0, skip_reason = NULL
      WHERE id = ? AND state IN (${filter.status.map(() => '?').join(', ')})`);
    let queued = 0;
    const notQueued = (reason: string, deliveryId: string): void => {
      report.notQueued[reason] = (report.notQueued[reason] ?? 0) + 1;
      if (report.failedIds.length < FAILED_IDS_KEPT) report.failedIds.push(deliveryId);
    };
    for (const row of rows) {
      if (row.purged) notQueued('payload_purged', row.id as string);
      else if (requeue.run(now, now, row.id, ...filter.status).changes === 1) queued++;
      else notQueued('state_changed', row.id as string);
    }
    report.queued += queued;
    const done = (job.done as number) + queued;
    const failed = (job.failed as number) + rows.length - queued;
    const finished = rows.length < limit;
    db.stmt(`UPDATE bulk_jobs SET done = ?, failed = ?, cursor = ?, report = ?, updated_at = ?, lease_expires_at = ?,
        state = ?, finished_at = ?, total = CASE WHEN ? THEN ? ELSE total END WHERE id = ?`).run(
      done,
      failed,
      (rows[rows.length - 1]?.id as string | undefined) ?? job.cursor,
      JSON.stringify(report),
      now,
      finished ? null : now + leaseMs,
      finished ? 'succeeded' : 'running',
      finished ? now : null,
      finished ? 1 : 0,
      done + failed,
      id,
    );
    return getBulkJob(db, id);
  });
}

export function failBulkJob(db: SqliteDb, id: string, owner: string, error: string, now: number): void {
  db.tx(false, () => {
    const job = db.stmt('SELECT report FROM bulk_jobs WHERE id = ? AND lease_owner = ? AND state = ?').get(id, owner, 'running');
    if (!job) return;
    const report = { ...parseJson<BulkReport>(job.report, { queued: 0, notQueued: {}, failedIds: [] }), error };
    db.stmt(
      `UPDATE bulk_jobs SET state = 'failed', report = ?, finished_at = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?`,
    ).run(JSON.stringify(report), now, now, id);
  });
}
