import { FAILED_IDS_KEPT, type BulkFilter, type BulkJob, type BulkReport } from '../bulk-jobs.ts';
import { bulkWhere, getBulkJob, toBulkJob } from '../sql/bulk-jobs.ts';
import { parseJson, type Row, type SqliteDb } from './db.ts';
import { runOp } from './drive.ts';

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
    return runOp(db, getBulkJob(row.id as string));
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
    if (job.state !== 'running') return toBulkJob(job);
    if (job.lease_owner !== owner) return null;
    const filter = parseJson<BulkFilter>(job.filter, {} as BulkFilter);
    const w = bulkWhere(filter);
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
    return runOp(db, getBulkJob(id));
  });
}
