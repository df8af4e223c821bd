import { bool, num, numOrNull, type Row } from '../columns.ts';
import type { EndpointHealth } from '../health.ts';
import type { Delivery, Endpoint, Message, StalePolicy } from '../records.ts';
import { toDelivery, toEndpoint, toHealth, toMessage } from '../rows.ts';
import type { LeaseAdmission, StoreRules } from '../rules.ts';
import type { LeasedDelivery, LeaseOptions } from '../store.ts';
import type { SqlDialect } from './dialect.ts';
import { all, type Op, run } from './op.ts';
import { chunks, valuesRows } from './values.ts';

/** An endpoint's effective throttle rate in a lease query over `endpoints e`: its own, else its application's. */
export const THROTTLE_RATE = 'COALESCE(e.throttle_rate, (SELECT a.throttle_rate FROM applications a WHERE a.id = e.app_id))';

/** What a candidate read selects over `deliveries d JOIN endpoints e` (no parameters; defaults are applied by `toCandidate`). */
export const CANDIDATE_COLUMNS = `d.id, d.endpoint_id, d.ordering_key, d.sequence, d.manual, d.next_attempt_at, e.fifo, e.stale_policy,
  e.concurrency, e.timeout_ms, ${THROTTLE_RATE} AS rate`;

/** A due delivery a lease pass may take, with what its decision reads of the endpoint. */
export interface Candidate {
  id: string;
  endpointId: string;
  orderingKey: string | null;
  sequence: number | null;
  manual: boolean;
  due: number;
  fifo: boolean;
  stalePolicy: StalePolicy;
  /** The endpoint's concurrency and delivery timeout, defaults applied. */
  cap: number;
  timeout: number;
  rate: number | null;
}

export function toCandidate(r: Row, o: Pick<LeaseOptions, 'defaultConcurrency' | 'defaultTimeoutMs'>): Candidate {
  return {
    id: r.id as string,
    endpointId: r.endpoint_id as string,
    orderingKey: (r.ordering_key as string | null) ?? null,
    sequence: numOrNull(r.sequence),
    manual: bool(r.manual),
    due: num(r.next_attempt_at),
    fifo: bool(r.fifo),
    stalePolicy: r.stale_policy as StalePolicy,
    cap: numOrNull(r.concurrency) ?? o.defaultConcurrency,
    timeout: numOrNull(r.timeout_ms) ?? o.defaultTimeoutMs,
    rate: numOrNull(r.rate),
  };
}

/** Whether the candidate's ordering is tracked by a mark: a keyed, sequenced delivery of a FIFO endpoint. */
const marked = (c: Candidate): boolean => c.fifo && c.orderingKey !== null && c.sequence !== null;
const markKey = (endpointId: string, key: string): string => `${endpointId}\u0000${key}`;

/** In-flight deliveries per endpoint, and which endpoints are saturated (at their concurrency). */
export interface Busy {
  inFlight: Map<string, number>;
  saturated: string[];
  /** Free slots of all enabled endpoints together: no pass can lease more. */
  room: number;
}

export function* readBusy(defaultConcurrency: number): Op<Busy> {
  const inFlight = new Map<string, number>();
  const saturated: string[] = [];
  let busyEnabled = 0;
  for (const row of yield* all(
    `SELECT d.endpoint_id, count(*) AS n, COALESCE(e.concurrency, ?) AS cap, e.disabled
    FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id WHERE d.state = 'in_flight' GROUP BY d.endpoint_id, e.concurrency, e.disabled`,
    [defaultConcurrency],
  )) {
    const n = num(row.n);
    inFlight.set(row.endpoint_id as string, n);
    if (n >= num(row.cap)) saturated.push(row.endpoint_id as string);
    if (!bool(row.disabled)) busyEnabled += Math.min(n, num(row.cap));
  }
  const [capacity] = yield* all('SELECT COALESCE(sum(COALESCE(concurrency, ?)), 0) AS cap FROM endpoints WHERE NOT disabled', [
    defaultConcurrency,
  ]);
  return { inFlight, saturated, room: num(capacity?.cap) - busyEnabled };
}

/** In-flight deliveries of the given endpoints (under the lease pass's endpoint locks on PostgreSQL). */
export function* readInFlight(dialect: SqlDialect, endpointIds: string[]): Op<Map<string, number>> {
  const rows = yield* all(
    `SELECT endpoint_id, count(*) AS n FROM deliveries WHERE state = 'in_flight' AND ${dialect.inList('endpoint_id')} GROUP BY endpoint_id`,
    [dialect.list(endpointIds)],
  );
  return new Map(rows.map((r) => [r.endpoint_id as string, num(r.n)]));
}

/** Health of the given endpoints (absent: never failed nor throttled), in one statement. */
export function* loadHealth(dialect: SqlDialect, endpointIds: string[]): Op<Map<string, EndpointHealth>> {
  if (endpointIds.length === 0) return new Map();
  const rows = yield* all(`SELECT * FROM endpoint_health WHERE ${dialect.inList('endpoint_id')}`, [dialect.list(endpointIds)]);
  return new Map(rows.map((r) => [r.endpoint_id as string, toHealth(r)]));
}

/** The marks (highest attempted sequence) of the candidates' keys, in one statement per chunk. */
export function* readMarks(dialect: SqlDialect, candidates: readonly Candidate[]): Op<Map<string, number>> {
  const keys = new Map<string, [string, string]>();
  for (const c of candidates)
    if (marked(c)) keys.set(markKey(c.endpointId, c.orderingKey as string), [c.endpointId, c.orderingKey as string]);
  const marks = new Map<string, number>();
  for (const part of chunks(dialect, [...keys.values()])) {
    for (const m of yield* all(
      `SELECT endpoint_id, ordering_key, last_sequence FROM ordering_marks
      WHERE (endpoint_id, ordering_key) IN (VALUES ${valuesRows(part.length, ['?', '?'])})`,
      part.flat(),
    ))
      marks.set(markKey(m.endpoint_id as string, m.ordering_key as string), num(m.last_sequence));
  }
  return marks;
}

/** A candidate the pass leases; `stale`: sent marked stale. */
export interface LeasePick {
  candidate: Candidate;
  expires: number;
  stale: boolean;
}

export interface Choice {
  picks: LeasePick[];
  /** Stale heads the endpoint's policy skips. */
  skip: string[];
  /** Candidates passed over because their endpoint filled up during the pass. */
  full: number;
}

/**
 * Which candidates a pass takes, oldest due first, all decided here rather
 * than in SQL: a stale head is skipped (its successor becomes the head) or
 * sent marked (`StoreRules.staleVerdict`, against the marks read with
 * `readMarks`); the rest go while their endpoint has room under its
 * concurrency (`inFlight`, updated as the pass takes slots) and its throttle
 * and breaker admit them (`gate`), up to `limit`.
 */
export function chooseLeases(
  rules: StoreRules,
  gate: LeaseAdmission,
  candidates: readonly Candidate[],
  marks: Map<string, number>,
  inFlight: Map<string, number>,
  o: Pick<LeaseOptions, 'now' | 'leaseGraceMs'> & { limit: number },
): Choice {
  const out: Choice = { picks: [], skip: [], full: 0 };
  for (const c of candidates) {
    const mark = marked(c) ? (marks.get(markKey(c.endpointId, c.orderingKey as string)) ?? null) : null;
    const verdict = rules.staleVerdict({ ...c, mark });
    if (verdict === 'skip') {
      out.skip.push(c.id);
      continue;
    }
    if (out.picks.length >= o.limit) continue;
    const busy = inFlight.get(c.endpointId) ?? 0;
    if (busy >= c.cap) {
      out.full++;
      continue;
    }
    if (!gate.admit(c.endpointId, c.rate, c.timeout + o.leaseGraceMs)) continue;
    inFlight.set(c.endpointId, busy + 1);
    out.picks.push({ candidate: c, expires: o.now + c.timeout + o.leaseGraceMs, stale: verdict === 'marked' });
  }
  return out;
}

/** Stale heads skipped by their endpoint's policy. */
export function* skipStale(dialect: SqlDialect, ids: string[], now: number): Op<void> {
  if (ids.length === 0) return;
  yield* run(
    `UPDATE deliveries SET state = 'skipped', stale = ?, skip_reason = 'stale', next_attempt_at = NULL, updated_at = ?
    WHERE ${dialect.inList('id')}`,
    [true, now, dialect.list(ids)],
  );
}

/**
 * Leases the picks in one statement per chunk (each row its own expiry and
 * stale mark), moves their keys' marks, and returns them with their messages
 * and endpoints, each read in one statement. The mark moves when the attempt
 * starts, not when it succeeds: from now on the receiver may have this
 * sequence, so a lower one is stale even if this attempt's outcome is never
 * known (a crash) or it ends dead (docs/ordering.md).
 */
export function* writeLeases(
  dialect: SqlDialect,
  picks: readonly LeasePick[],
  o: Pick<LeaseOptions, 'owner' | 'now'>,
  known: { messages: Map<string, Message>; endpoints: Map<string, Endpoint> } = { messages: new Map(), endpoints: new Map() },
): Op<LeasedDelivery[]> {
  if (picks.length === 0) return [];
  const deliveries: Delivery[] = [];
  for (const part of chunks(dialect, picks)) {
    const rows = yield* all(
      `WITH l(lease_id, lease_expires, lease_stale) AS (VALUES ${valuesRows(part.length, ['CAST(? AS TEXT)', 'CAST(? AS BIGINT)', 'CAST(? AS BOOLEAN)'])})
      UPDATE deliveries SET state = 'in_flight', lease_owner = ?, lease_expires_at = l.lease_expires, stale = l.lease_stale, updated_at = ?
      FROM l WHERE deliveries.id = l.lease_id RETURNING *`,
      [...part.flatMap((p) => [p.candidate.id, p.expires, p.stale]), o.owner, o.now],
    );
    deliveries.push(...rows.map(toDelivery));
  }
  yield* raiseMarks(
    dialect,
    picks.map((p) => p.candidate),
    o.now,
  );
  const order = new Map(picks.map((p, i) => [p.candidate.id, i]));
  deliveries.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  const { messages, endpoints } = known;
  const missingMessages = [...new Set(deliveries.map((d) => d.messageId))].filter((id) => !messages.has(id));
  if (missingMessages.length > 0) {
    for (const r of yield* all(`SELECT * FROM messages WHERE ${dialect.inList('id')}`, [dialect.list(missingMessages)]))
      messages.set(r.id as string, toMessage(r));
  }
  const missingEndpoints = [...new Set(deliveries.map((d) => d.endpointId))].filter((id) => !endpoints.has(id));
  if (missingEndpoints.length > 0) {
    for (const r of yield* all(`SELECT * FROM endpoints WHERE ${dialect.inList('id')}`, [dialect.list(missingEndpoints)]))
      endpoints.set(r.id as string, toEndpoint(r));
  }
  return deliveries.map((delivery) => {
    const message = messages.get(delivery.messageId);
    const endpoint = endpoints.get(delivery.endpointId);
    if (!message || !endpoint) throw new Error(`delivery ${delivery.id} lost its message or endpoint`);
    return { delivery, message, endpoint, trigger: delivery.manual ? 'manual' : 'scheduled' };
  });
}

/** Raises the marks of the leased candidates' keys: one row per key (an upsert may not touch a row twice), in key order so two leasers cannot deadlock. */
function* raiseMarks(dialect: SqlDialect, leased: readonly Candidate[], now: number): Op<void> {
  const top = new Map<string, [string, string, number]>();
  for (const c of leased) {
    if (!marked(c)) continue;
    const k = markKey(c.endpointId, c.orderingKey as string);
    const seen = top.get(k);
    if (!seen || seen[2] < (c.sequence as number)) top.set(k, [c.endpointId, c.orderingKey as string, c.sequence as number]);
  }
  const rows = [...top.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
  for (const part of chunks(dialect, rows)) {
    yield* run(
      `INSERT INTO ordering_marks (endpoint_id, ordering_key, last_sequence, updated_at) VALUES ${valuesRows(part.length, ['?', '?', '?', '?'])}
      ON CONFLICT (endpoint_id, ordering_key) DO UPDATE SET
        last_sequence = ${dialect.greatest('ordering_marks.last_sequence', 'excluded.last_sequence')}, updated_at = excluded.updated_at`,
      part.flatMap((r) => [...r, now]),
    );
  }
}
