import type { AlertDetail, AlertEvaluation, AlertEvent, AlertNotification, AlertState, EndpointAttemptStats, EndpointCondition } from '../alerts.ts';
import { idFloor, idTime, newId } from '../ids.ts';
import { pageCursor, toPage } from '../page.ts';
import type { Page } from '../records.ts';
import type { PgDb, Queryable, Row } from './db.ts';
import { num, numOrNull } from '../columns.ts';

const noDetail: AlertDetail = { summary: '', labels: {} };
const detailOf = (value: unknown): AlertDetail => (typeof value === 'string' ? (JSON.parse(value) as AlertDetail) : noDetail);

function toState(r: Row): AlertState {
  return {
    rule: r.rule as string, subject: r.subject as string, status: r.status as AlertState['status'],
    breaches: num(r.breaches), clears: num(r.clears), value: numOrNull(r.value), detail: detailOf(r.detail),
    since: num(r.since), lastNotifiedAt: numOrNull(r.last_notified_at), updatedAt: num(r.updated_at),
  };
}

function toEvent(r: Row): AlertEvent {
  return {
    id: r.id as string, rule: r.rule as string, subject: r.subject as string, kind: r.kind as AlertEvent['kind'],
    value: numOrNull(r.value), detail: detailOf(r.detail), at: num(r.at),
  };
}

function toNotification(r: Row): AlertNotification {
  return {
    id: r.id as string, eventId: r.event_id as string, channel: r.channel as string, state: r.state as AlertNotification['state'],
    attempts: num(r.attempts), nextAttemptAt: num(r.next_attempt_at), lastError: (r.last_error as string | null) ?? null,
    createdAt: num(r.created_at), sentAt: numOrNull(r.sent_at),
  };
}

export async function acquireLease(db: Queryable, name: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
  return (await db.run(`INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, $3)
    ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
    WHERE leases.owner = excluded.owner OR leases.expires_at <= $4`, [name, owner, now + ttlMs, now])) === 1;
}

export async function releaseLease(db: Queryable, name: string, owner: string): Promise<void> {
  await db.run('DELETE FROM leases WHERE name = $1 AND owner = $2', [name, owner]);
}

export async function listAlertStates(db: Queryable): Promise<AlertState[]> {
  return (await db.query('SELECT * FROM alert_states ORDER BY rule, subject')).map(toState);
}

export async function recordAlertEvaluation(db: PgDb, lease: string, owner: string, ev: AlertEvaluation, now: number): Promise<{ written: boolean; eventIds: string[] }> {
  return db.tx(async (tx) => {
    // The lease row stays locked to the commit, so a process that lost the lease meanwhile cannot write a second notification.
    const held = await tx.query('SELECT 1 FROM leases WHERE name = $1 AND owner = $2 AND expires_at > $3 FOR UPDATE', [lease, owner, now]);
    if (held.length === 0) return { written: false, eventIds: [] };
    for (const s of ev.upsert) {
      await tx.run(`INSERT INTO alert_states (rule, subject, status, breaches, clears, value, detail, since, last_notified_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (rule, subject) DO UPDATE SET status = excluded.status, breaches = excluded.breaches,
        clears = excluded.clears, value = excluded.value, detail = excluded.detail, since = excluded.since,
        last_notified_at = excluded.last_notified_at, updated_at = excluded.updated_at`,
      [s.rule, s.subject, s.status, s.breaches, s.clears, s.value, JSON.stringify(s.detail), s.since, s.lastNotifiedAt, s.updatedAt]);
    }
    for (const f of ev.forget) await tx.run('DELETE FROM alert_states WHERE rule = $1 AND subject = $2', [f.rule, f.subject]);
    const eventIds: string[] = [];
    for (const { event: e, channels } of ev.events) {
      const id = newId('alev');
      eventIds.push(id);
      await tx.run('INSERT INTO alert_events (id, rule, subject, kind, value, detail, at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [id, e.rule, e.subject, e.kind, e.value, JSON.stringify(e.detail), e.at]);
      for (const channel of channels) {
        await tx.run(`INSERT INTO alert_notifications (id, event_id, channel, state, attempts, next_attempt_at, created_at)
          VALUES ($1, $2, $3, 'pending', 0, $4, $4)`, [newId('alnt'), id, channel, now]);
      }
    }
    return { written: true, eventIds };
  });
}

export async function listAlertEvents(db: Queryable, query: { limit: number; iterator?: string }): Promise<Page<AlertEvent>> {
  const cursor = pageCursor(query.iterator);
  const rows = cursor
    ? await db.query(`SELECT * FROM alert_events WHERE id ${cursor.backwards ? '>' : '<'} $1 ORDER BY id ${cursor.backwards ? 'ASC' : 'DESC'} LIMIT $2`, [cursor.id, query.limit + 1])
    : await db.query('SELECT * FROM alert_events ORDER BY id DESC LIMIT $1', [query.limit + 1]);
  return toPage(rows.map(toEvent), query.limit, query.iterator);
}

export async function notificationsOf(db: Queryable, eventIds: string[]): Promise<AlertNotification[]> {
  if (eventIds.length === 0) return [];
  return (await db.query('SELECT * FROM alert_notifications WHERE event_id = ANY($1::text[]) ORDER BY id', [eventIds])).map(toNotification);
}

export async function dueAlertNotifications(db: Queryable, now: number, limit: number): Promise<Array<{ notification: AlertNotification; event: AlertEvent }>> {
  const rows = await db.query(`SELECT n.*, e.rule AS e_rule, e.subject AS e_subject, e.kind AS e_kind, e.value AS e_value, e.detail AS e_detail, e.at AS e_at
    FROM alert_notifications n JOIN alert_events e ON e.id = n.event_id
    WHERE n.state = 'pending' AND n.next_attempt_at <= $1 ORDER BY n.next_attempt_at, n.id LIMIT $2`, [now, limit]);
  return rows.map((r) => ({
    notification: toNotification(r),
    event: toEvent({ id: r.event_id, rule: r.e_rule, subject: r.e_subject, kind: r.e_kind, value: r.e_value, detail: r.e_detail, at: r.e_at }),
  }));
}

export async function finishAlertNotification(db: Queryable, id: string, outcome: { sent: true } | { sent: false; error: string; retryAt: number | null }, now: number): Promise<void> {
  if (outcome.sent) {
    await db.run(`UPDATE alert_notifications SET state = 'sent', attempts = attempts + 1, sent_at = $1, last_error = NULL WHERE id = $2`, [now, id]);
  } else {
    await db.run(`UPDATE alert_notifications SET state = $1, attempts = attempts + 1, last_error = $2, next_attempt_at = $3 WHERE id = $4`,
      [outcome.retryAt === null ? 'failed' : 'pending', outcome.error, outcome.retryAt ?? now, id]);
  }
}

export async function nextAlertNotificationAt(db: Queryable): Promise<number | null> {
  return numOrNull((await db.query(`SELECT min(next_attempt_at) AS at FROM alert_notifications WHERE state = 'pending'`))[0]?.at);
}

export async function endpointAttemptStats(db: Queryable, since: number): Promise<EndpointAttemptStats[]> {
  return (await db.query(`SELECT a.endpoint_id, a.app_id, count(*) AS attempts, count(*) FILTER (WHERE NOT a.succeeded) AS failures,
      count(DISTINCT a.delivery_id) FILTER (WHERE d.state = 'dead') AS dead
    FROM attempts a LEFT JOIN deliveries d ON d.id = a.delivery_id AND d.message_id = a.message_id
    WHERE a.id >= $1 GROUP BY a.endpoint_id, a.app_id`, [idFloor('atmpt', since)])).map((r) => ({
    endpointId: r.endpoint_id as string, appId: r.app_id as string, attempts: num(r.attempts), failures: num(r.failures), dead: num(r.dead),
  }));
}

export async function endpointConditions(db: Queryable): Promise<EndpointCondition[]> {
  return (await db.query(`SELECT e.id, e.app_id, a.uid AS app_uid, e.uid, e.url, e.disabled, e.disabled_reason, coalesce(h.breaker, 'closed') AS breaker
    FROM endpoints e JOIN applications a ON a.id = e.app_id LEFT JOIN endpoint_health h ON h.endpoint_id = e.id`)).map((r) => ({
    endpointId: r.id as string, appId: r.app_id as string, appUid: (r.app_uid as string | null) ?? null, endpointUid: (r.uid as string | null) ?? null,
    url: r.url as string, disabled: r.disabled === true, disabledReason: (r.disabled_reason as string | null) ?? null, breaker: r.breaker as EndpointCondition['breaker'],
  }));
}

export async function sourceActivity(db: Queryable, source: string, since: number): Promise<{ count: number; lastAt: number | null }> {
  const [row] = await db.query(`SELECT (SELECT count(*) FROM messages WHERE source = $1 AND id >= $2) AS n,
    (SELECT max(id) FROM messages WHERE source = $1) AS last`, [source, idFloor('msg', since)]);
  return { count: num(row?.n), lastAt: row?.last ? idTime(row.last as string) : null };
}
