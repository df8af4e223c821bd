import { bool, jsonOr, num, numOrNull, type Row } from '../columns.ts';
import { FAILED_IDS_KEPT, type BulkAction, type BulkFilter, type BulkJob, type BulkReport } from '../bulk-jobs.ts';
import { newId } from '../ids.ts';
import type { Page } from '../records.ts';
import type { SqlDialect } from './dialect.ts';
import { all, get, type Op, run, wake } from './op.ts';
import { pageById } from './paging.ts';

const EMPTY_REPORT: BulkReport = { queued: 0, notQueued: {}, failedIds: [] };

/** The filter as SQL over `deliveries d JOIN messages m`, with its values (`?` placeholders). */
export function bulkWhere(filter: BulkFilter): { sql: string; values: unknown[] } {
  const conditions = [`d.state IN (${filter.status.map(() => '?').join(', ')})`, 'd.created_at < ?'];
  const values: unknown[] = [...filter.status, filter.until];
  const add = (sql: string, value: unknown): void => {
    conditions.push(sql);
    values.push(value);
  };
  if (filter.appId !== null) add('d.app_id = ?', filter.appId);
  if (filter.endpointId !== null) add('d.endpoint_id = ?', filter.endpointId);
  if (filter.since !== null) add('d.created_at >= ?', filter.since);
  if (filter.source !== null) add('m.source = ?', filter.source);
  if (filter.eventTypes !== null) {
    conditions.push(`m.event_type IN (${filter.eventTypes.map(() => '?').join(', ')})`);
    values.push(...filter.eventTypes);
  }
  return { sql: conditions.join(' AND '), values };
}

export function toBulkJob(r: Row): BulkJob {
  return {
    id: r.id as string,
    action: r.action as BulkAction,
    filter: jsonOr<BulkFilter>(r.filter, {} as BulkFilter),
    state: r.state as BulkJob['state'],
    total: num(r.total),
    done: num(r.done),
    failed: num(r.failed),
    report: jsonOr<BulkReport>(r.report, { ...EMPTY_REPORT, notQueued: {}, failedIds: [] }),
    requestedBy: (r.requested_by as string | null) ?? null,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    finishedAt: numOrNull(r.finished_at),
  };
}

export function* countBulkTargets(filter: BulkFilter): Op<number> {
  const w = bulkWhere(filter);
  const row = yield* get(`SELECT count(*) AS n FROM deliveries d JOIN messages m ON m.id = d.message_id WHERE ${w.sql}`, w.values);
  return num(row?.n);
}

export function* createBulkJob(
  input: { action: BulkAction; filter: BulkFilter; total: number; requestedBy: string | null },
  now: number,
): Op<BulkJob> {
  const row = yield* get(
    `INSERT INTO bulk_jobs (id, app_id, action, filter, state, total, report, requested_by, created_at, updated_at)
    VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?) RETURNING *`,
    [
      newId('bulk'),
      input.filter.appId,
      input.action,
      JSON.stringify(input.filter),
      input.total,
      JSON.stringify(EMPTY_REPORT),
      input.requestedBy,
      now,
      now,
    ],
  );
  return toBulkJob(row as Row);
}

export function* getBulkJob(id: string): Op<BulkJob | null> {
  const row = yield* get('SELECT * FROM bulk_jobs WHERE id = ?', [id]);
  return row ? toBulkJob(row) : null;
}

export function* listBulkJobs(query: { appIds: string[] | null; limit: number; iterator?: string }): Op<Page<BulkJob>> {
  const where = query.appIds === null ? [] : [`app_id IN (${query.appIds.map(() => '?').join(', ') || 'NULL'})`];
  return yield* pageById('bulk_jobs', where, query.appIds ?? [], query.limit, query.iterator, toBulkJob);
}

export function* cancelBulkJob(id: string, now: number): Op<BulkJob | null> {
  yield* run(
    `UPDATE bulk_jobs SET state = 'cancelled', finished_at = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
    WHERE id = ? AND state IN ('queued', 'running')`,
    [now, now, id],
  );
  return yield* getBulkJob(id);
}

/** Ends a job its worker gave up on, keeping its report with the error; only the lease holder's. Run it atomic. */
export function* failBulkJob(id: string, owner: string, error: string, now: number): Op<void> {
  const job = yield* get('SELECT report FROM bulk_jobs WHERE id = ? AND lease_owner = ? AND state = ?', [id, owner, 'running']);
  if (!job) return;
  const report = { ...jsonOr<BulkReport>(job.report, { ...EMPTY_REPORT, notQueued: {}, failedIds: [] }), error };
  yield* run(
    `UPDATE bulk_jobs SET state = 'failed', report = ?, finished_at = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
    WHERE id = ? AND lease_owner = ? AND state = 'running'`,
    [JSON.stringify(report), now, now, id, owner],
  );
}

/**
 * Takes the oldest job no live lease holds. Polled every second by an idle
 * worker, so it looks first and writes only when there is a job to take. Run
 * it each: the UPDATE is atomic on its own.
 */
export function* claimBulkJob(dialect: SqlDialect, owner: string, now: number, leaseMs: number): Op<BulkJob | null> {
  if (!(yield* get(`SELECT 1 FROM bulk_jobs WHERE state IN ('queued', 'running') LIMIT 1`))) return null;
  const row = yield* get(
    `UPDATE bulk_jobs SET state = 'running', lease_owner = ?, lease_expires_at = ?, updated_at = ?
    WHERE id = (SELECT id FROM bulk_jobs WHERE state IN ('queued', 'running') AND (lease_expires_at IS NULL OR lease_expires_at < ?)
      ORDER BY id LIMIT 1${dialect.skipLocked}) RETURNING *`,
    [owner, now + leaseMs, now, now],
  );
  return row ? toBulkJob(row) : null;
}

/** Frees every job's lease: SQLite's, when the process that opens the file knows every holder is gone. */
export function* reclaimBulkLeases(): Op<void> {
  yield* run(`UPDATE bulk_jobs SET lease_owner = NULL, lease_expires_at = NULL WHERE state IN ('queued', 'running')`);
}

/**
 * One batch of a job: requeues the next `limit` deliveries its filter selects
 * past the cursor, and counts those it could not (payload purged, state
 * changed meanwhile). Only the lease holder's. Run it atomic.
 */
export function* runBulkBatch(
  dialect: SqlDialect,
  id: string,
  owner: string,
  limit: number,
  now: number,
  leaseMs: number,
): Op<BulkJob | null> {
  // The job's row lock orders this batch against a cancel: one of them commits first, and the other sees it.
  const row = yield* get(`SELECT * FROM bulk_jobs WHERE id = ?${dialect.forUpdate}`, [id]);
  if (!row) return null;
  const job = toBulkJob(row);
  if (job.state !== 'running') return job;
  if (row.lease_owner !== owner) return null;
  const w = bulkWhere(job.filter);
  const rows = yield* all(
    `SELECT d.id, d.message_id, m.payload IS NULL AS purged FROM deliveries d JOIN messages m ON m.id = d.message_id
    WHERE ${w.sql} AND d.id > ? ORDER BY d.id LIMIT ?`,
    [...w.values, (row.cursor as string | null) ?? '', limit],
  );
  const report = job.report;
  const notQueued = (reason: string, deliveryId: string): void => {
    report.notQueued[reason] = (report.notQueued[reason] ?? 0) + 1;
    if (report.failedIds.length < FAILED_IDS_KEPT) report.failedIds.push(deliveryId);
  };
  for (const r of rows) if (bool(r.purged)) notQueued('payload_purged', r.id as string);
  const sendable = rows.filter((r) => !bool(r.purged));
  const queued = new Set<string>();
  if (sendable.length > 0) {
    const ids = sendable.map((r) => r.id as string);
    const messageIds = sendable.map((r) => r.message_id as string);
    // The message ids too: PostgreSQL then reads only the partitions that hold them.
    const requeued = yield* all(
      `UPDATE deliveries SET state = 'pending', manual = ?, next_attempt_at = ?, updated_at = ?, stale = ?, skip_reason = NULL
      WHERE ${dialect.inList('id')} AND ${dialect.inList('message_id')} AND ${dialect.inList('state')} RETURNING id`,
      [true, now, now, false, dialect.list(ids), dialect.list(messageIds), dialect.list(job.filter.status)],
    );
    for (const r of requeued) queued.add(r.id as string);
  }
  for (const r of sendable) if (!queued.has(r.id as string)) notQueued('state_changed', r.id as string);
  report.queued += queued.size;
  const done = job.done + queued.size;
  const failed = job.failed + rows.length - queued.size;
  const finished = rows.length < limit;
  const updated = yield* get(
    `UPDATE bulk_jobs SET done = ?, failed = ?, cursor = ?, report = ?, updated_at = ?, lease_expires_at = ?,
      state = ?, finished_at = ?, total = CASE WHEN ? THEN ? ELSE total END WHERE id = ? RETURNING *`,
    [
      done,
      failed,
      (rows[rows.length - 1]?.id as string | undefined) ?? row.cursor,
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
  if (queued.size > 0) yield* wake();
  return toBulkJob(updated as Row);
}
