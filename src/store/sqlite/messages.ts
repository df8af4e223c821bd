import { newId } from '../ids.ts';
import type { Endpoint, Message } from '../records.ts';
import type { StoreRules } from '../rules.ts';
import type { IngestOutcome, NewMessage, ReleasedMessage } from '../store.ts';
import { listEndpoints } from '../sql/applications.ts';
import { getMessage } from '../sql/messages.ts';
import { runOp } from './drive.ts';
import { json, type SqliteDb } from './db.ts';

const INSERT_MESSAGE = `INSERT INTO messages (id, app_id, source, event_type, event_id, ordering_key, sequence, payload,
  content_type, headers, channels, state, error, received_at, validation_errors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const INSERT_DELIVERY = `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, state, attempts, next_attempt_at,
  ordering_key, sequence, skip_reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (message_id, endpoint_id) DO NOTHING`;

type Routable = Pick<Message, 'appId' | 'eventType' | 'channels' | 'orderingKey' | 'sequence' | 'payload' | 'contentType' | 'headers'>;

/**
 * One delivery per endpoint the message routes to (held back on FIFO endpoints
 * for the reorder window), and a `skipped` one where the payload filter said no
 * and the endpoint records those. Returns how many are deliverable.
 */
function fanOut(
  db: SqliteDb,
  rules: StoreRules,
  messageId: string,
  m: Routable,
  endpoints: Endpoint[],
  now: number,
  windowMs: number | undefined,
  notBefore = 0,
): number {
  let deliverable = 0;
  for (const { endpoint: ep, route } of rules.routeMessage(endpoints, m)) {
    if (route === 'filtered' && !ep.recordSkipped) continue;
    const due = route === 'deliver' ? Math.max(now + rules.holdBackMs(ep, m.orderingKey, windowMs), notBefore) : null;
    const changes = db
      .stmt(INSERT_DELIVERY)
      .run(
        newId('dlv'),
        messageId,
        ep.id,
        m.appId,
        route === 'deliver' ? 'pending' : 'skipped',
        due,
        m.orderingKey,
        m.sequence,
        route === 'deliver' ? null : 'filtered',
        now,
        now,
      ).changes;
    if (route === 'deliver') deliverable += changes;
  }
  return deliverable;
}

/** One durable transaction for the whole batch; each item in its own savepoint. */
export function ingest(db: SqliteDb, rules: StoreRules, batch: NewMessage[]): IngestOutcome[] {
  const now = Date.now();
  const endpointsByApp = new Map<string, Endpoint[]>();
  const one = db.raw.transaction((item: NewMessage): IngestOutcome => {
    if (item.eventId !== null && item.dedupeUntil !== null) {
      const seen = db
        .stmt('SELECT message_id, expires_at FROM dedupe WHERE scope = ? AND event_id = ?')
        .get(item.dedupeScope, item.eventId);
      if (seen && (seen.expires_at as number) > now) return { messageId: seen.message_id as string, duplicate: true };
    }
    const id = newId('msg');
    db.stmt(INSERT_MESSAGE).run(
      id,
      item.appId,
      item.source,
      item.eventType,
      item.eventId,
      item.orderingKey,
      item.sequence,
      item.payload,
      item.contentType,
      json(item.headers),
      json(item.channels),
      item.state,
      item.error,
      now,
      json(item.validationErrors ?? null),
    );
    if (item.eventId !== null && item.dedupeUntil !== null) {
      db.stmt('INSERT OR REPLACE INTO dedupe (scope, event_id, message_id, expires_at) VALUES (?, ?, ?, ?)').run(
        item.dedupeScope,
        item.eventId,
        id,
        item.dedupeUntil,
      );
    }
    let deliveries = 0;
    if (item.state === 'accepted') {
      let endpoints = endpointsByApp.get(item.appId);
      if (!endpoints) {
        endpoints = runOp(db, listEndpoints(item.appId));
        endpointsByApp.set(item.appId, endpoints);
      }
      deliveries = fanOut(db, rules, id, item, endpoints, now, item.reorderWindowMs, item.notBefore);
    }
    return { messageId: id, duplicate: false, deliveries };
  });
  return db.tx(true, () =>
    batch.map((item) => {
      try {
        return one(item);
      } catch (err) {
        return { error: new Error('could not store the message', { cause: err }) };
      }
    }),
  );
}

/** See `Store.replay`. */
export function replay(db: SqliteDb, rules: StoreRules, appId: string, messageId: string, endpointId: string | null, now: number): number {
  return db.tx(true, () => {
    const message = runOp(db, getMessage(appId, messageId));
    if (!message) return 0;
    const endpoints = runOp(db, listEndpoints(appId));
    const targets =
      endpointId !== null
        ? endpoints.filter((ep) => ep.id === endpointId)
        : rules.routeMessage(endpoints, message).flatMap((r) => (r.route === 'deliver' ? [r.endpoint] : []));
    let queued = 0;
    for (const ep of targets) {
      const result = db
        .stmt(`INSERT INTO deliveries (id, message_id, endpoint_id, app_id, state, attempts, next_attempt_at,
          ordering_key, sequence, manual, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?, 1, ?, ?)
        ON CONFLICT (message_id, endpoint_id) DO UPDATE SET
          state = 'pending', manual = 1, next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at,
          stale = 0, skip_reason = NULL
        WHERE deliveries.state IN ('succeeded', 'dead', 'skipped', 'scheduled')`)
        .run(newId('dlv'), messageId, ep.id, appId, now, message.orderingKey, message.sequence, now, now);
      queued += result.changes;
    }
    return queued;
  });
}

/** See `Store.releaseMessages`. */
export function releaseMessages(db: SqliteDb, rules: StoreRules, appId: string, messageIds: string[], now: number): ReleasedMessage[] {
  return db.tx(true, () => {
    const endpoints = runOp(db, listEndpoints(appId));
    const out: ReleasedMessage[] = [];
    for (const messageId of messageIds) {
      const changed = db
        .stmt(`UPDATE messages SET state = 'accepted', error = NULL, validation_errors = NULL
        WHERE app_id = ? AND id = ? AND state = 'invalid'`)
        .run(appId, messageId).changes;
      if (changed === 0) continue;
      const message = runOp(db, getMessage(appId, messageId)) as Message;
      out.push({ messageId, deliveries: fanOut(db, rules, messageId, message, endpoints, now, undefined) });
    }
    return out;
  });
}
