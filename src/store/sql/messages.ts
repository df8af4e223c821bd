import { newId } from '../ids.ts';
import type { Message, Page } from '../records.ts';
import { toMessage } from '../rows.ts';
import type { PlannedDelivery, StoreRules } from '../rules.ts';
import type { MessageQuery, ReleasedMessage } from '../store.ts';
import { listEndpoints } from './applications.ts';
import type { SqlDialect } from './dialect.ts';
import { allRows, runRows } from './multi-row.ts';
import { get, type Op, wake } from './op.ts';
import { pageById } from './paging.ts';

/** The deliveries of fan-out (a new message's id cannot collide; a released one's replayed deliveries stay). */
export const INSERT_DELIVERIES = {
  head: `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, state, attempts, next_attempt_at, ordering_key, sequence,
  skip_reason, created_at, updated_at) VALUES`,
  tail: ' ON CONFLICT (message_id, endpoint_id) DO NOTHING',
};

/** A fan-out plan as rows of `INSERT_DELIVERIES`, in plan order. */
export function deliveryRows(
  messageId: string,
  m: Pick<Message, 'appId' | 'orderingKey' | 'sequence'>,
  planned: PlannedDelivery[],
  now: number,
): unknown[][] {
  return planned.map((p) => [
    newId('dlv'),
    messageId,
    p.endpointId,
    m.appId,
    p.state,
    0,
    p.nextAt,
    m.orderingKey,
    m.sequence,
    p.skipReason,
    now,
    now,
  ]);
}

export function* getMessage(appId: string, messageId: string): Op<Message | null> {
  const row = yield* get('SELECT * FROM messages WHERE app_id = ? AND id = ?', [appId, messageId]);
  return row ? toMessage(row) : null;
}

export function* getMessageByEventId(appId: string, eventId: string): Op<Message | null> {
  const row = yield* get('SELECT * FROM messages WHERE app_id = ? AND event_id = ? ORDER BY id DESC LIMIT 1', [appId, eventId]);
  return row ? toMessage(row) : null;
}

/** A message by id in any application (the console's look-up). */
export function* findMessage(messageId: string): Op<Message | null> {
  const row = yield* get('SELECT * FROM messages WHERE id = ?', [messageId]);
  return row ? toMessage(row) : null;
}

export function* listMessages(dialect: SqlDialect, q: MessageQuery): Op<Page<Message>> {
  const where = ['app_id = ?'];
  const params: unknown[] = [q.appId];
  const add = (sql: string, value: unknown): void => {
    where.push(sql);
    params.push(value);
  };
  if (q.source !== undefined) add('source = ?', q.source);
  if (q.eventTypes && q.eventTypes.length > 0) {
    where.push(`event_type IN (${q.eventTypes.map(() => '?').join(', ')})`);
    params.push(...q.eventTypes);
  }
  if (q.channel !== undefined) add(dialect.jsonArrayHas('messages.channels'), q.channel);
  if (q.state !== undefined) add('state = ?', q.state);
  if (q.before !== undefined) add('received_at < ?', q.before);
  if (q.after !== undefined) add('received_at > ?', q.after);
  return yield* pageById('messages', where, params, q.limit, q.iterator, toMessage);
}

/**
 * See `Store.replay`. A finished (or skipped, or scheduled) delivery is queued
 * again; one in flight is left to finish, one waiting for a retry is pulled forward.
 */
export function* replayMessage(
  dialect: SqlDialect,
  rules: StoreRules,
  appId: string,
  messageId: string,
  endpointId: string | null,
  now: number,
): Op<number> {
  const message = yield* getMessage(appId, messageId);
  if (!message) return 0;
  const endpoints = yield* listEndpoints(appId);
  const targets =
    endpointId !== null
      ? endpoints.filter((ep) => ep.id === endpointId)
      : rules.routeMessage(endpoints, message).flatMap((r) => (r.route === 'deliver' ? [r.endpoint] : []));
  const queued = yield* runRows(
    dialect,
    {
      head: `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, state, attempts, next_attempt_at, ordering_key, sequence,
  manual, created_at, updated_at) VALUES`,
      tail: ` ON CONFLICT (message_id, endpoint_id) DO UPDATE SET
  state = 'pending', manual = excluded.manual, next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at,
  stale = ?, skip_reason = NULL
  WHERE deliveries.state IN ('succeeded', 'dead', 'skipped', 'scheduled')`,
      after: [false],
    },
    targets.map((ep) => [newId('dlv'), messageId, ep.id, appId, 'pending', 0, now, message.orderingKey, message.sequence, true, now, now]),
  );
  if (queued > 0) yield* wake();
  return queued;
}

/** See `Store.releaseMessages`: answered in the order asked, each id once. */
export function* releaseMessages(
  dialect: SqlDialect,
  rules: StoreRules,
  appId: string,
  messageIds: string[],
  now: number,
): Op<ReleasedMessage[]> {
  const asked = [...new Set(messageIds)];
  if (asked.length === 0) return [];
  const endpoints = yield* listEndpoints(appId);
  const released = new Map<string, Message>();
  for (const row of yield* allRows(
    dialect,
    {
      head: `UPDATE messages SET state = 'accepted', error = NULL, validation_errors = NULL
  WHERE app_id = ? AND state = 'invalid' AND id IN (`,
      tail: ') RETURNING *',
      before: [appId],
    },
    asked.map((id) => [id]),
  )) {
    const message = toMessage(row);
    released.set(message.id, message);
  }
  const order = asked.filter((id) => released.has(id));
  const rows = order.flatMap((id) => {
    const message = released.get(id) as Message;
    return deliveryRows(id, message, rules.planFanOut(endpoints, message, now, undefined), now);
  });
  const deliverable = new Map<string, number>();
  for (const r of yield* allRows(dialect, { ...INSERT_DELIVERIES, tail: `${INSERT_DELIVERIES.tail} RETURNING message_id, state` }, rows)) {
    if (r.state === 'pending') deliverable.set(r.message_id as string, (deliverable.get(r.message_id as string) ?? 0) + 1);
  }
  const out = order.map((messageId) => ({ messageId, deliveries: deliverable.get(messageId) ?? 0 }));
  if (out.some((r) => r.deliveries > 0)) yield* wake();
  return out;
}
