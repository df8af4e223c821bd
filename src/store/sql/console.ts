import { jsonOr, num, numOrNull, type Row } from '../columns.ts';
import type { ConsoleSession, FlowCounts, FlowMinute, RejectedRequest, SourceFlow } from '../console.ts';
import { FLOW_SUMS, HOUR, splitWindow, toFlowCounts } from '../flow-rows.ts';
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
