import { FAILED_IDS_KEPT, type BulkAction, type BulkFilter, type BulkJob, type BulkReport } from '../bulk-jobs.ts';
import { newId } from '../ids.ts';
import { pageCursor, toPage } from '../page.ts';
import type { Page } from '../records.ts';
import type { PgDb, Queryable, Row } from './db.ts';
import { notifyDue } from './notify.ts';
import { num, numOrNull } from '../columns.ts';

/** The filter as SQL over `deliveries d JOIN messages m`; placeholders continue after `values`. */
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

function toJob(r: Row): BulkJob {
  return {
    id: r.id as string,
    action: r.action as BulkAction,
    filter: JSON.parse(r.filter as string) as BulkFilter,
    state: r.state as BulkJob['state'],
    total: num(r.total),
    done: num(r.done),
    failed: num(r.failed),
    report: JSON.parse(r.report as string) as BulkReport,
    requestedBy: (r.requested_by as string | null) ?? null,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    finishedAt: numOrNull(r.finished_at),
  };
}

export async function countBulkTargets(db: Queryable, filter: BulkFilter): Promise<number> {
  const values: unknown[] = [];
  const sql = where(filter, values);
  return num((await db.query(`SELECT count(*) AS n FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE ${sql}`, values))[0]?.n);
}

export async function createBulkJob(
  db: Queryable,
  input: { action: BulkAction; filter: BulkFilter; total: number; requestedBy: string | null },
  now: number,
): Promise<BulkJob> {
  const rows = await db.query(
    `INSERT INTO bulk_jobs (id, app_id, action, filter, state, total, report, requested_by, created_at, updated_at)
    VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $8, $8) RETURNING *`,
    [
      newId('bulk'),
      input.filter.appId,
      input.action,
      JSON.stringify(input.filter),
      input.total,
      JSON.stringify({ queued: 0, notQueued: {}, failedIds: [] }),
      input.requestedBy,
      now,
    ],
  );
  return toJob(rows[0] as Row);
}

export async function getBulkJob(db: Queryable, id: string): Promise<BulkJob | null> {
  const [row] = await db.query('SELECT * FROM bulk_jobs WHERE id = $1', [id]);
  return row ? toJob(row) : null;
}

export async function listBulkJobs(
  db: Queryable,
  query: { appIds: string[] | null; limit: number; iterator?: string },
): Promise<Page<BulkJob>> {
  const values: unknown[] = [];
  const conditions = ['true'];
  if (query.appIds !== null) conditions.push(`app_id = ANY($${values.push(query.appIds)}::text[])`);
  const cursor = pageCursor(query.iterator);
  if (cursor) conditions.push(`id ${cursor.backwards ? '>' : '<'} $${values.push(cursor.id)}`);
  const rows = await db.query(
    `SELECT * FROM bulk_jobs WHERE ${conditions.join(' AND ')} ORDER BY id ${cursor?.backwards ? 'ASC' : 'DESC'}
    LIMIT $${values.push(query.limit + 1)}`,
    values,
  );
  return toPage(rows.map(toJob), query.limit, query.iterator);
}

export async function cancelBulkJob(db: Queryable, id: string, now: number): Promise<BulkJob | null> {
  await db.run(
    `UPDATE bulk_jobs SET state = 'cancelled', finished_at = $1, updated_at = $1, lease_owner = NULL, lease_expires_at = NULL
    WHERE id = $2 AND state IN ('queued', 'running')`,
    [now, id],
  );
  return getBulkJob(db, id);
}

export async function claimBulkJob(db: Queryable, owner: string, now: number, leaseMs: number): Promise<BulkJob | null> {
  const [row] = await db.query(
    `UPDATE bulk_jobs SET state = 'running', lease_owner = $1, lease_expires_at = $2, updated_at = $3
    WHERE id = (SELECT id FROM bulk_jobs WHERE state IN ('queued', 'running') AND (lease_expires_at IS NULL OR lease_expires_at < $3)
      ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *`,
    [owner, now + leaseMs, now],
  );
  return row ? toJob(row) : null;
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
    if (job.state !== 'running') return toJob(job);
    if (job.lease_owner !== owner) return null;
    const current = toJob(job);
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
    return toJob(row as Row);
  });
}

export async function failBulkJob(db: Queryable, id: string, owner: string, error: string, now: number): Promise<void> {
  const job = await getBulkJob(db, id);
  if (!job) return;
  await db.run(
    `UPDATE bulk_jobs SET state = 'failed', report = $1, finished_at = $2, updated_at = $2, lease_owner = NULL, lease_expires_at = NULL
    WHERE id = $3 AND lease_owner = $4 AND state = 'running'`,
    [JSON.stringify({ ...job.report, error }), now, id, owner],
  );
}
