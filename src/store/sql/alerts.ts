import type {
  AlertDetail,
  AlertEvaluation,
  AlertEvent,
  AlertNotification,
  AlertState,
  EndpointAttemptStats,
  EndpointCondition,
} from '../alerts.ts';
import { bool, jsonOr, num, numOrNull, type Row, strOrNull } from '../columns.ts';
import { idFloor, idTime, newId } from '../ids.ts';
import { pageCursor, toPage } from '../page.ts';
import type { Page } from '../records.ts';
import { all, get, type Op, run } from './op.ts';

const noDetail: AlertDetail = { summary: '', labels: {} };

function toState(r: Row): AlertState {
  return {
    rule: r.rule as string,
    subject: r.subject as string,
    status: r.status as AlertState['status'],
    breaches: num(r.breaches),
    clears: num(r.clears),
    value: numOrNull(r.value),
    detail: jsonOr(r.detail, noDetail),
    since: num(r.since),
    lastNotifiedAt: numOrNull(r.last_notified_at),
    updatedAt: num(r.updated_at),
  };
}

function toEvent(r: Row): AlertEvent {
  return {
    id: r.id as string,
    rule: r.rule as string,
    subject: r.subject as string,
    kind: r.kind as AlertEvent['kind'],
    value: numOrNull(r.value),
    detail: jsonOr(r.detail, noDetail),
    at: num(r.at),
  };
}

function toNotification(r: Row): AlertNotification {
  return {
    id: r.id as string,
    eventId: r.event_id as string,
    channel: r.channel as string,
    state: r.state as AlertNotification['state'],
    attempts: num(r.attempts),
    nextAttemptAt: num(r.next_attempt_at),
    lastError: strOrNull(r.last_error),
    createdAt: num(r.created_at),
    sentAt: numOrNull(r.sent_at),
  };
}

/** Takes or renews a named lease (one alert evaluator at a time); `false` while another owner holds it unexpired. */
export function* acquireLease(name: string, owner: string, now: number, ttlMs: number): Op<boolean> {
  return (
    (yield* run(
      `INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
    ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
    WHERE leases.owner = excluded.owner OR leases.expires_at <= ?`,
      [name, owner, now + ttlMs, now],
    )) === 1
  );
}

export function* releaseLease(name: string, owner: string): Op<void> {
  yield* run('DELETE FROM leases WHERE name = ? AND owner = ?', [name, owner]);
}

export function* listAlertStates(): Op<AlertState[]> {
  return (yield* all('SELECT * FROM alert_states ORDER BY rule, subject')).map(toState);
}

/** Writes one evaluation's state changes, events and notifications, only while `owner` holds the lease. Run it atomic. */
export function* recordAlertEvaluation(
  lease: string,
  owner: string,
  ev: AlertEvaluation,
  now: number,
): Op<{ written: boolean; eventIds: string[] }> {
  // A no-op update locks the lease row to the commit (PostgreSQL), so a process that lost the lease meanwhile
  // cannot write a second notification: the new owner's takeover waits for this commit, or this check fails.
  const held = yield* get('UPDATE leases SET expires_at = expires_at WHERE name = ? AND owner = ? AND expires_at > ? RETURNING 1 AS held', [
    lease,
    owner,
    now,
  ]);
  if (!held) return { written: false, eventIds: [] };
  for (const s of ev.upsert) {
    yield* run(
      `INSERT INTO alert_states (rule, subject, status, breaches, clears, value, detail, since, last_notified_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (rule, subject) DO UPDATE SET status = excluded.status, breaches = excluded.breaches,
      clears = excluded.clears, value = excluded.value, detail = excluded.detail, since = excluded.since,
      last_notified_at = excluded.last_notified_at, updated_at = excluded.updated_at`,
      [s.rule, s.subject, s.status, s.breaches, s.clears, s.value, JSON.stringify(s.detail), s.since, s.lastNotifiedAt, s.updatedAt],
    );
  }
  for (const f of ev.forget) yield* run('DELETE FROM alert_states WHERE rule = ? AND subject = ?', [f.rule, f.subject]);
  const eventIds: string[] = [];
  for (const { event: e, channels } of ev.events) {
    const id = newId('alev');
    eventIds.push(id);
    yield* run('INSERT INTO alert_events (id, rule, subject, kind, value, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      id,
      e.rule,
      e.subject,
      e.kind,
      e.value,
      JSON.stringify(e.detail),
      e.at,
    ]);
    for (const channel of channels) {
      yield* run(
        `INSERT INTO alert_notifications (id, event_id, channel, state, attempts, next_attempt_at, created_at)
        VALUES (?, ?, ?, 'pending', 0, ?, ?)`,
        [newId('alnt'), id, channel, now, now],
      );
    }
  }
  return { written: true, eventIds };
}

export function* listAlertEvents(query: { limit: number; iterator?: string }): Op<Page<AlertEvent>> {
  const cursor = pageCursor(query.iterator);
  const rows = cursor
    ? yield* all(
        `SELECT * FROM alert_events WHERE id ${cursor.backwards ? '>' : '<'} ? ORDER BY id ${cursor.backwards ? 'ASC' : 'DESC'} LIMIT ?`,
        [cursor.id, query.limit + 1],
      )
    : yield* all('SELECT * FROM alert_events ORDER BY id DESC LIMIT ?', [query.limit + 1]);
  return toPage(rows.map(toEvent), query.limit, query.iterator);
}

export function* notificationsOf(eventIds: string[]): Op<AlertNotification[]> {
  const out: AlertNotification[] = [];
  for (let i = 0; i < eventIds.length; i += 500) {
    const chunk = eventIds.slice(i, i + 500);
    const rows = yield* all(`SELECT * FROM alert_notifications WHERE event_id IN (${chunk.map(() => '?').join(', ')})`, chunk);
    out.push(...rows.map(toNotification));
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function* dueAlertNotifications(now: number, limit: number): Op<Array<{ notification: AlertNotification; event: AlertEvent }>> {
  const rows = yield* all(
    `SELECT n.*, e.rule AS e_rule, e.subject AS e_subject, e.kind AS e_kind, e.value AS e_value, e.detail AS e_detail, e.at AS e_at
    FROM alert_notifications n JOIN alert_events e ON e.id = n.event_id
    WHERE n.state = 'pending' AND n.next_attempt_at <= ? ORDER BY n.next_attempt_at, n.id LIMIT ?`,
    [now, limit],
  );
  return rows.map((r) => ({
    notification: toNotification(r),
    event: toEvent({
      id: r.event_id,
      rule: r.e_rule,
      subject: r.e_subject,
      kind: r.e_kind,
      value: r.e_value,
      detail: r.e_detail,
      at: r.e_at,
    }),
  }));
}

export function* finishAlertNotification(
  id: string,
  outcome: { sent: true } | { sent: false; error: string; retryAt: number | null },
  now: number,
): Op<void> {
  if (outcome.sent) {
    yield* run(`UPDATE alert_notifications SET state = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?`, [
      now,
      id,
    ]);
  } else {
    yield* run(`UPDATE alert_notifications SET state = ?, attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?`, [
      outcome.retryAt === null ? 'failed' : 'pending',
      outcome.error,
      outcome.retryAt ?? now,
      id,
    ]);
  }
}

export function* nextAlertNotificationAt(): Op<number | null> {
  return numOrNull((yield* get(`SELECT min(next_attempt_at) AS at FROM alert_notifications WHERE state = 'pending'`))?.at);
}

export function* endpointAttemptStats(since: number): Op<EndpointAttemptStats[]> {
  const rows = yield* all(
    `SELECT a.endpoint_id, a.app_id, count(*) AS attempts, count(*) FILTER (WHERE NOT a.succeeded) AS failures,
      count(DISTINCT a.delivery_id) FILTER (WHERE d.state = 'dead') AS dead
    FROM attempts a LEFT JOIN deliveries d ON d.id = a.delivery_id AND d.message_id = a.message_id
    WHERE a.id >= ? GROUP BY a.endpoint_id, a.app_id`,
    [idFloor('atmpt', since)],
  );
  return rows.map((r) => ({
    endpointId: r.endpoint_id as string,
    appId: r.app_id as string,
    attempts: num(r.attempts),
    failures: num(r.failures),
    dead: num(r.dead),
  }));
}

export function* endpointConditions(): Op<EndpointCondition[]> {
  const rows =
    yield* all(`SELECT e.id, e.app_id, a.uid AS app_uid, e.uid, e.url, e.disabled, e.disabled_reason, coalesce(h.breaker, 'closed') AS breaker
    FROM endpoints e JOIN applications a ON a.id = e.app_id LEFT JOIN endpoint_health h ON h.endpoint_id = e.id`);
  return rows.map((r) => ({
    endpointId: r.id as string,
    appId: r.app_id as string,
    appUid: strOrNull(r.app_uid),
    endpointUid: strOrNull(r.uid),
    url: r.url as string,
    disabled: bool(r.disabled),
    disabledReason: strOrNull(r.disabled_reason),
    breaker: r.breaker as EndpointCondition['breaker'],
  }));
}

export function* sourceActivity(source: string, since: number): Op<{ count: number; lastAt: number | null }> {
  const row = yield* get(
    `SELECT (SELECT count(*) FROM messages WHERE source = ? AND id >= ?) AS n,
    (SELECT max(id) FROM messages WHERE source = ?) AS last`,
    [source, idFloor('msg', since), source],
  );
  return { count: num(row?.n), lastAt: row?.last ? idTime(row.last as string) : null };
}
