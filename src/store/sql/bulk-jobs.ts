import { jsonOr, num, numOrNull, type Row } from '../columns.ts';
import type { BulkAction, BulkFilter, BulkJob, BulkReport } from '../bulk-jobs.ts';
import { newId } from '../ids.ts';
import type { Page } from '../records.ts';
import { get, type Op, run } from './op.ts';
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
