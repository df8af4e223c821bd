import { jsonOr, num, numOrNull, type Row } from '../columns.ts';
import type { ConsoleSession, FlowCounts, FlowMinute, FlowRow, RejectedRequest, SourceFlow } from '../console.ts';
import { FLOW_SUMS, HOUR, hourRows, splitWindow, toFlowCounts } from '../flow-rows.ts';
import type { Page } from '../records.ts';
import { all, get, json, type Op, run } from './op.ts';
import { pageById } from './paging.ts';

function toSession(r: Row): ConsoleSession {
  return {
    idHash: r.id_hash as string,
    name: r.name as string,
    role: r.role as ConsoleSession['role'],
    applications: jsonOr<string[] | null>(r.applications, null),
    createdAt: num(r.created_at),
    expiresAt: num(r.expires_at),
  };
}

function toRejection(r: Row): RejectedRequest {
  return {
    id: r.id as string,
    source: r.source as string,
    receivedAt: num(r.received_at),
    remoteAddress: (r.remote_address as string | null) ?? null,
    reason: r.reason as string,
    headers: jsonOr(r.headers, {}),
    bodySize: num(r.body_size),
    bodySha256: r.body_sha256 as string,
    bodyHead: r.body_head as Buffer,
  };
}

/** The minutes and hours tables together over [since, now): minutes for the recent part, hours before. */
const WINDOW = `(SELECT * FROM flow_minutes WHERE minute >= ? AND minute < ? UNION ALL SELECT * FROM flow_hours WHERE minute >= ?) AS w`;

export function* flowTotals(since: number): Op<FlowCounts> {
  const { minutesFrom, hoursFrom } = splitWindow(since);
  return toFlowCounts(yield* get(`SELECT ${FLOW_SUMS} FROM ${WINDOW}`, [minutesFrom, hoursFrom, hoursFrom]));
}

export function* flowSeries(since: number, bucketMs: number): Op<FlowMinute[]> {
  const table = bucketMs % HOUR === 0 ? 'flow_hours' : 'flow_minutes';
  const rows = yield* all(
    `SELECT minute - (minute % ?) AS bucket, ${FLOW_SUMS} FROM ${table} WHERE minute >= ? GROUP BY bucket ORDER BY bucket`,
    [bucketMs, since],
  );
  return rows.map((r) => ({ minute: num(r.bucket), ...toFlowCounts(r) }));
}

export function* flowBySource(since: number): Op<SourceFlow[]> {
  const { minutesFrom, hoursFrom } = splitWindow(since);
  const seen = yield* all('SELECT source, max(minute) AS last_at FROM flow_minutes WHERE minute >= ? AND verified > 0 GROUP BY source', [
    since,
  ]);
  const last = new Map(seen.map((r) => [r.source as string, numOrNull(r.last_at)]));
  const rows = yield* all(`SELECT source, ${FLOW_SUMS} FROM ${WINDOW} GROUP BY source`, [minutesFrom, hoursFrom, hoursFrom]);
  return rows.map((r) => ({ source: r.source as string, lastReceivedAt: last.get(r.source as string) ?? null, ...toFlowCounts(r) }));
}

/** Run it atomic: both tables go together. */
export function* purgeFlowCounts(before: number): Op<number> {
  return (
    (yield* run('DELETE FROM flow_minutes WHERE minute < ?', [before])) +
    (yield* run('DELETE FROM flow_hours WHERE minute < ?', [before - (before % HOUR)]))
  );
}

export function* createConsoleSession(s: ConsoleSession): Op<void> {
  yield* run('INSERT INTO console_sessions (id_hash, name, role, applications, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)', [
    s.idHash,
    s.name,
    s.role,
    json(s.applications),
    s.createdAt,
    s.expiresAt,
  ]);
}

export function* getConsoleSession(idHash: string, now: number): Op<ConsoleSession | null> {
  const row = yield* get('SELECT * FROM console_sessions WHERE id_hash = ? AND expires_at > ?', [idHash, now]);
  return row ? toSession(row) : null;
}

export function* deleteConsoleSession(idHash: string): Op<void> {
  yield* run('DELETE FROM console_sessions WHERE id_hash = ?', [idHash]);
}

export function* purgeConsoleSessions(now: number): Op<number> {
  return yield* run('DELETE FROM console_sessions WHERE expires_at <= ?', [now]);
}

export function* listRejections(q: { source?: string; limit: number; iterator?: string }): Op<Page<RejectedRequest>> {
  const where = q.source === undefined ? [] : ['source = ?'];
  const params = q.source === undefined ? [] : [q.source];
  return yield* pageById('rejected_requests', where, params, q.limit, q.iterator, toRejection);
}

export function* rejectionCounts(since: number): Op<Array<{ source: string; count: number; lastAt: number }>> {
  const rows = yield* all(
    'SELECT source, count(*) AS n, max(received_at) AS last_at FROM rejected_requests WHERE received_at >= ? GROUP BY source',
    [since],
  );
  return rows.map((r) => ({ source: r.source as string, count: num(r.n), lastAt: num(r.last_at) }));
}

/** Rows per multi-row INSERT: well under either database's parameter limit. */
const CHUNK = 100;

function* chunks<T>(rows: T[], write: (chunk: T[]) => Op<number>): Op<void> {
  for (let i = 0; i < rows.length; i += CHUNK) yield* write(rows.slice(i, i + CHUNK));
}

/**
 * Adds this process's counts to both tables. The rows are its own (the owner
 * is part of the key), so no other process waits on them. Run it atomic.
 */
export function* addFlowCounts(owner: string, rows: FlowRow[]): Op<void> {
  for (const [table, list] of [
    ['flow_minutes', rows],
    ['flow_hours', hourRows(rows)],
  ] as const) {
    yield* chunks(list, (chunk) =>
      run(
        `INSERT INTO ${table} (minute, owner, source, received, verified, rejected, duplicates, delivered, failed, latency_sum_ms)
        VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')} ON CONFLICT (minute, owner, source) DO UPDATE SET
          received = ${table}.received + excluded.received, verified = ${table}.verified + excluded.verified,
          rejected = ${table}.rejected + excluded.rejected, duplicates = ${table}.duplicates + excluded.duplicates,
          delivered = ${table}.delivered + excluded.delivered, failed = ${table}.failed + excluded.failed,
          latency_sum_ms = ${table}.latency_sum_ms + excluded.latency_sum_ms`,
        chunk.flatMap((m) => [
          m.minute,
          owner,
          m.source,
          m.received,
          m.verified,
          m.rejected,
          m.duplicates,
          m.delivered,
          m.failed,
          Math.round(m.latencySumMs),
        ]),
      ),
    );
  }
}

/** Keeps the rejected requests, then each source's newest `keepPerSource` only. Run it atomic. */
export function* recordRejections(rows: RejectedRequest[], keepPerSource: number): Op<void> {
  yield* chunks(rows, (chunk) =>
    run(
      `INSERT INTO rejected_requests (id, source, received_at, remote_address, reason, headers, body_size, body_sha256, body_head)
      VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      chunk.flatMap((r) => [
        r.id,
        r.source,
        r.receivedAt,
        r.remoteAddress,
        r.reason,
        json(r.headers),
        r.bodySize,
        r.bodySha256,
        r.bodyHead,
      ]),
    ),
  );
  // The id of the oldest row to keep; everything older of the source goes.
  for (const source of new Set(rows.map((r) => r.source))) {
    yield* run(
      `DELETE FROM rejected_requests WHERE source = ? AND id < (
      SELECT id FROM rejected_requests WHERE source = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      [source, source, keepPerSource - 1],
    );
  }
}
