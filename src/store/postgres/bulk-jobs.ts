import { FAILED_IDS_KEPT, type BulkFilter, type BulkJob } from '../bulk-jobs.ts';
import { toBulkJob } from '../sql/bulk-jobs.ts';
import type { PgDb, Queryable, Row } from './db.ts';
import { notifyDue } from './notify.ts';

/**
 * The filter as SQL over `deliveries d JOIN messages m`; placeholders continue
 * after `values`. Lists bind as arrays (`= ANY`), so the text does not vary with their length.
 */
function where(filter: BulkFilter, values: unknown[]): string {
  const p = (value: unknown): string => `$${values.push(value)}`;
  const conditions = [`d.state = ANY(${p(filter.status)}::text[])`, `d.created_at < ${p(filter.until)}`];
  if (filter.appId !== null) conditions.push(`d.app_id = ${p(filter.appId)}`);
  if (filter.endpointId !== null) conditions.push(`d.endpoint_id = ${p(filter.endpointId)}`);
  if (filter.since !== null) conditions.push(`d.created_at >= ${p(filter.since)}`);
  if (filter.source !== null) conditions.push(`m.source = ${p(filter.source)}`);
  if (filter.eventTypes !== null) conditions.push(`m.event_type = ANY(${p(filter.eventTypes)}::text[])`);
  return conditions.join(' AND ');
}

export async function claimBulkJob(db: Queryable, owner: string, now: number, leaseMs: number): Promise<BulkJob | null> {
  const [row] = await db.query(
    `UPDATE bulk_jobs SET state = 'running', lease_owner = $1, lease_expires_at = $2, updated_at = $3
    WHERE id = (SELECT id FROM bulk_jobs WHERE state IN ('queued', 'running') AND (lease_expires_at IS NULL OR lease_expires_at < $3)
      ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *`,
    [owner, now + leaseMs, now],
  );
  return row ? toBulkJob(row) : null;
}

export async function runBulkBatch(
  db: PgDb,
  id: string,
  owner: string,
  limit: number,
  now: number,
  leaseMs: number,
): Promise<BulkJob | null> {
  return db.tx(async (tx) => {
    // The job's row lock orders this batch against a cancel: one of them commits first, and the other sees it.
    const [job] = await tx.query('SELECT * FROM bulk_jobs WHERE id = $1 FOR UPDATE', [id]);
    if (!job) return null;
    if (job.state !== 'running') return toBulkJob(job);
    if (job.lease_owner !== owner) return null;
    const current = toBulkJob(job);
    const filter = current.filter;
    const values: unknown[] = [];
    const sql = where(filter, values);
    const rows = await tx.query(
      `SELECT d.id, d.message_id, m.payload IS NULL AS purged FROM deliveries d JOIN messages m ON m.id = d.message_id
      WHERE ${sql} AND d.id > $${values.push((job.cursor as string | null) ?? '')} ORDER BY d.id LIMIT $${values.push(limit)}`,
      values,
    );
    const report = current.report;
    const notQueued = (reason: string, deliveryId: string): void => {
      report.notQueued[reason] = (report.notQueued[reason] ?? 0) + 1;
      if (report.failedIds.length < FAILED_IDS_KEPT) report.failedIds.push(deliveryId);
    };
    const sendable = rows.filter((r) => !r.purged);
    for (const r of rows) if (r.purged) notQueued('payload_purged', r.id as string);
    const requeued =
      sendable.length === 0
        ? []
        : await tx.query(
            `UPDATE deliveries SET state = 'pending', manual = true, next_attempt_at = $1, updated_at = $1,
        stale = false, skip_reason = NULL
      WHERE id = ANY($2::text[]) AND message_id = ANY($3::text[]) AND state = ANY($4::text[]) RETURNING id`,
            [now, sendable.map((r) => r.id), sendable.map((r) => r.message_id), filter.status],
          );
    const queuedIds = new Set(requeued.map((r) => r.id as string));
    for (const r of sendable) if (!queuedIds.has(r.id as string)) notQueued('state_changed', r.id as string);
    report.queued += queuedIds.size;
    const done = current.done + queuedIds.size;
    const failed = current.failed + rows.length - queuedIds.size;
    const finished = rows.length < limit;
    const [row] = await tx.query(
      `UPDATE bulk_jobs SET done = $1, failed = $2, cursor = $3, report = $4, updated_at = $5, lease_expires_at = $6,
        state = $7, finished_at = $8, total = CASE WHEN $9 THEN $10 ELSE total END WHERE id = $11 RETURNING *`,
      [
        done,
        failed,
        (rows[rows.length - 1]?.id as string | undefined) ?? job.cursor,
        JSON.stringify(report),
        now,
        finished ? null : now + leaseMs,
        finished ? 'succeeded' : 'running',
        finished ? now : null,
        finished,
        done + failed,
        id,
      ],
    );
    if (queuedIds.size > 0) await notifyDue(tx, db.dueChannel);
    return toBulkJob(row as Row);
  });
}
