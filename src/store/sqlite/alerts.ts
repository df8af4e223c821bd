import type { AlertDetail, AlertEvaluation, AlertEvent, AlertNotification, AlertState, EndpointAttemptStats, EndpointCondition } from '../alerts.ts';
import { idFloor, idTime, newId } from '../ids.ts';
import { pageCursor, toPage } from '../page.ts';
import type { Page } from '../records.ts';
import { parseJson, type Row, type SqliteDb } from './db.ts';

const noDetail: AlertDetail = { summary: '', labels: {} };

function toState(r: Row): AlertState {
  return {
    rule: r.rule as string, subject: r.subject as string, status: r.status as AlertState['status'],
    breaches: r.breaches as number, clears: r.clears as number, value: (r.value as number | null) ?? null,
    detail: parseJson(r.detail, noDetail), since: r.since as number, lastNotifiedAt: (r.last_notified_at as number | null) ?? null,
    updatedAt: r.updated_at as number,
  };
}

function toEvent(r: Row): AlertEvent {
  return {
    id: r.id as string, rule: r.rule as string, subject: r.subject as string, kind: r.kind as AlertEvent['kind'],
    value: (r.value as number | null) ?? null, detail: parseJson(r.detail, noDetail), at: r.at as number,
  };
}

function toNotification(r: Row): AlertNotification {
  return {
    id: r.id as string, eventId: r.event_id as string, channel: r.channel as string, state: r.state as AlertNotification['state'],
    attempts: r.attempts as number, nextAttemptAt: r.next_attempt_at as number, lastError: (r.last_error as string | null) ?? null,
    createdAt: r.created_at as number, sentAt: (r.sent_at as number | null) ?? null,
  };
}

export function acquireLease(db: SqliteDb, name: string, owner: string, now: number, ttlMs: number): boolean {
  return db.tx(false, () => db.stmt(`INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
    ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
    WHERE leases.owner = excluded.owner OR leases.expires_at <= ?`).run(name, owner, now + ttlMs, now).changes === 1);
}

export function releaseLease(db: SqliteDb, name: string, owner: string): void {
  db.stmt('DELETE FROM leases WHERE name = ? AND owner = ?').run(name, owner);
}

function holds(db: SqliteDb, name: string, owner: string, now: number): boolean {
  return db.stmt('SELECT 1 FROM leases WHERE name = ? AND owner = ? AND expires_at > ?').get(name, owner, now) !== undefined;
}

export function listAlertStates(db: SqliteDb): AlertState[] {
  return (db.stmt('SELECT * FROM alert_states ORDER BY rule, subject').all() as Row[]).map(toState);
}

export function recordAlertEvaluation(db: SqliteDb, lease: string, owner: string, ev: AlertEvaluation, now: number): { written: boolean; eventIds: string[] } {
  return db.tx(false, () => {
    if (!holds(db, lease, owner, now)) return { written: false, eventIds: [] };
    for (const s of ev.upsert) {
      db.stmt(`INSERT INTO alert_states (rule, subject, status, breaches, clears, value, detail, since, last_notified_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (rule, subject) DO UPDATE SET status = excluded.status, breaches = excluded.breaches,
        clears = excluded.clears, value = excluded.value, detail = excluded.detail, since = excluded.since,
        last_notified_at = excluded.last_notified_at, updated_at = excluded.updated_at`)
        .run(s.rule, s.subject, s.status, s.breaches, s.clears, s.value, JSON.stringify(s.detail), s.since, s.lastNotifiedAt, s.updatedAt);
    }
    for (const f of ev.forget) db.stmt('DELETE FROM alert_states WHERE rule = ? AND subject = ?').run(f.rule, f.subject);
    const eventIds: string[] = [];
    for (const { event: e, channels } of ev.events) {
      const id = newId('alev');
      eventIds.push(id);
      db.stmt('INSERT INTO alert_events (id, rule, subject, kind, value, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, e.rule, e.subject, e.kind, e.value, JSON.stringify(e.detail), e.at);
      for (const channel of channels) {
        db.stmt(`INSERT INTO alert_notifications (id, event_id, channel, state, attempts, next_attempt_at, created_at)
          VALUES (?, ?, ?, 'pending', 0, ?, ?)`).run(newId('alnt'), id, channel, now, now);
      }
    }
    return { written: true, eventIds };
  });
}

export function listAlertEvents(db: SqliteDb, query: { limit: number; iterator?: string }): Page<AlertEvent> {
  const cursor = pageCursor(query.iterator);
  const rows = cursor
    ? db.stmt(`SELECT * FROM alert_events WHERE id ${cursor.backwards ? '>' : '<'} ? ORDER BY id ${cursor.backwards ? 'ASC' : 'DESC'} LIMIT ?`).all(cursor.id, query.limit + 1)
    : db.stmt('SELECT * FROM alert_events ORDER BY id DESC LIMIT ?').all(query.limit + 1);
  return toPage((rows as Row[]).map(toEvent), query.limit, query.iterator);
}

export function notificationsOf(db: SqliteDb, eventIds: string[]): AlertNotification[] {
  if (eventIds.length === 0) return [];
  return (db.raw.prepare(`SELECT * FROM alert_notifications WHERE event_id IN (${eventIds.map(() => '?').join(', ')}) ORDER BY id`)
    .all(...eventIds) as Row[]).map(toNotification);
}

export function dueAlertNotifications(db: SqliteDb, now: number, limit: number): Array<{ notification: AlertNotification; event: AlertEvent }> {
  const rows = db.stmt(`SELECT n.*, e.rule AS e_rule, e.subject AS e_subject, e.kind AS e_kind, e.value AS e_value, e.detail AS e_detail, e.at AS e_at
    FROM alert_notifications n JOIN alert_events e ON e.id = n.event_id
    WHERE n.state = 'pending' AND n.next_attempt_at <= ? ORDER BY n.next_attempt_at, n.id LIMIT ?`).all(now, limit) as Row[];
  return rows.map((r) => ({
    notification: toNotification(r),
    event: toEvent({ id: r.event_id, rule: r.e_rule, subject: r.e_subject, kind: r.e_kind, value: r.e_value, detail: r.e_detail, at: r.e_at }),
  }));
}

export function finishAlertNotification(db: SqliteDb, id: string, outcome: { sent: true } | { sent: false; error: string; retryAt: number | null }, now: number): void {
  if (outcome.sent) {
    db.stmt(`UPDATE alert_notifications SET state = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?`).run(now, id);
  } else {
    db.stmt(`UPDATE alert_notifications SET state = ?, attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?`)
      .run(outcome.retryAt === null ? 'failed' : 'pending', outcome.error, outcome.retryAt ?? now, id);
  }
}

export function nextAlertNotificationAt(db: SqliteDb): number | null {
  return (db.stmt(`SELECT min(next_attempt_at) AS at FROM alert_notifications WHERE state = 'pending'`).get()?.at as number | null) ?? null;
}

export function endpointAttemptStats(db: SqliteDb, since: number): EndpointAttemptStats[] {
  return (db.stmt(`SELECT a.endpoint_id, a.app_id, count(*) AS attempts, sum(CASE WHEN a.succeeded THEN 0 ELSE 1 END) AS failures,
      count(DISTINCT CASE WHEN d.state = 'dead' THEN a.delivery_id END) AS dead
    FROM attempts a LEFT JOIN deliveries d ON d.id = a.delivery_id
    WHERE a.id >= ? GROUP BY a.endpoint_id, a.app_id`).all(idFloor('atmpt', since)) as Row[]).map((r) => ({
    endpointId: r.endpoint_id as string, appId: r.app_id as string, attempts: r.attempts as number, failures: r.failures as number, dead: r.dead as number,
  }));
}

export function endpointConditions(db: SqliteDb): EndpointCondition[] {
  return (db.stmt(`SELECT e.id, e.app_id, a.uid AS app_uid, e.uid, e.url, e.disabled, e.disabled_reason, coalesce(h.breaker, 'closed') AS breaker
    FROM endpoints e JOIN applications a ON a.id = e.app_id LEFT JOIN endpoint_health h ON h.endpoint_id = e.id`).all() as Row[]).map((r) => ({
    endpointId: r.id as string, appId: r.app_id as string, appUid: (r.app_uid as string | null) ?? null, endpointUid: (r.uid as string | null) ?? null,
    url: r.url as string, disabled: r.disabled === 1, disabledReason: (r.disabled_reason as string | null) ?? null, breaker: r.breaker as EndpointCondition['breaker'],
  }));
}

export function sourceActivity(db: SqliteDb, source: string, since: number): { count: number; lastAt: number | null } {
  const count = db.stmt('SELECT count(*) AS n FROM messages WHERE source = ? AND id >= ?').get(source, idFloor('msg', since))?.n as number;
  const last = db.stmt('SELECT max(id) AS id FROM messages WHERE source = ?').get(source)?.id as string | null;
  return { count, lastAt: last ? idTime(last) : null };
}
