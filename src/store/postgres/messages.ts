import { newId } from '../ids.ts';
import type { Endpoint, Message } from '../records.ts';
import type { StoreRules } from '../rules.ts';
import type { IngestOutcome, NewMessage, ReleasedMessage } from '../store.ts';
import { listEndpoints } from '../sql/applications.ts';
import { getMessage } from '../sql/messages.ts';
import { runOp } from './drive.ts';
import { json, type PgDb, type Tx } from './db.ts';
import { notifyDue } from './notify.ts';
import { toMessage } from '../rows.ts';
import { num } from '../columns.ts';

/**
 * Claims (scope, event id) for a new message. A live entry wins and nothing is
 * returned; an expired one is taken over. Two processes ingesting the same event
 * at once meet on the primary key: the second waits for the first to commit and
 * then sees its live entry, so only one message is stored.
 */
const CLAIM_EVENT_ID = `INSERT INTO dedupe (scope, event_id, message_id, expires_at) VALUES ($1, $2, $3, $4)
  ON CONFLICT (scope, event_id) DO UPDATE SET message_id = excluded.message_id, expires_at = excluded.expires_at
  WHERE dedupe.expires_at <= $5 RETURNING message_id`;

/** The message and its deliveries in one statement (one round trip per item). */
const INSERT_MESSAGE = `WITH message AS (
    INSERT INTO messages (id, app_id, source, event_type, event_id, ordering_key, sequence, payload, content_type, headers,
      channels, state, error, received_at, validation_errors) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $20))
  INSERT INTO deliveries (id, message_id, endpoint_id, app_id, state, attempts, next_attempt_at, ordering_key, sequence,
    skip_reason, created_at, updated_at)
  SELECT d.id, $1, d.endpoint_id, $2, d.state, 0, d.next_at, $6, $7, d.skip_reason, $14, $14
  FROM unnest($15::text[], $16::text[], $17::text[], $18::bigint[], $19::text[]) AS d(id, endpoint_id, state, next_at, skip_reason)`;

/** A delivery fan-out decided: deliverable (held back on FIFO endpoints) or recorded as skipped by the payload filter. */
interface Planned {
  endpointId: string;
  state: 'pending' | 'skipped';
  nextAt: number | null;
  skipReason: 'filtered' | null;
}

type Routable = Pick<Message, 'eventType' | 'channels' | 'orderingKey' | 'payload' | 'contentType' | 'headers'>;

function plan(rules: StoreRules, endpoints: Endpoint[], m: Routable, now: number, windowMs: number | undefined, notBefore = 0): Planned[] {
  return rules.routeMessage(endpoints, m).flatMap(({ endpoint: ep, route }): Planned[] => {
    if (route === 'deliver')
      return [
        {
          endpointId: ep.id,
          state: 'pending',
          nextAt: Math.max(now + rules.holdBackMs(ep, m.orderingKey, windowMs), notBefore),
          skipReason: null,
        },
      ];
    return ep.recordSkipped ? [{ endpointId: ep.id, state: 'skipped', nextAt: null, skipReason: 'filtered' }] : [];
  });
}

const deliverable = (planned: Planned[]): number => planned.filter((p) => p.state === 'pending').length;

/**
 * One durable transaction for the whole batch. The batch is first written with
 * a few set-based statements (a handful of round trips for hundreds of
 * messages); if any of them fails, that attempt is rolled back to its
 * savepoint and the items are written again one by one, each in its own
 * savepoint, so a failing item does not sink the others.
 */
export async function ingest(db: PgDb, rules: StoreRules, batch: NewMessage[]): Promise<IngestOutcome[]> {
  const now = Date.now();
  const endpointsByApp = new Map<string, Endpoint[]>();
  return db.tx(async (tx) => {
    let out: IngestOutcome[] | undefined;
    if (batch.length > 1) {
      await tx.run('SAVEPOINT batch');
      try {
        out = await ingestBatch(tx, rules, batch, now, endpointsByApp);
        await tx.run('RELEASE SAVEPOINT batch');
      } catch {
        await tx.run('ROLLBACK TO SAVEPOINT batch');
        out = undefined;
      }
    }
    if (!out) {
      out = [];
      for (const item of batch) {
        await tx.run('SAVEPOINT item');
        try {
          const outcome = await ingestOne(tx, rules, item, now, endpointsByApp);
          await tx.run('RELEASE SAVEPOINT item');
          out.push(outcome);
        } catch (err) {
          // A failed statement aborts the whole transaction until it rolls back to the savepoint.
          await tx.run('ROLLBACK TO SAVEPOINT item');
          out.push({ error: new Error('could not store the message', { cause: err }) });
        }
      }
    }
    if (out.some((o) => 'deliveries' in o && o.deliveries > 0)) await notifyDue(tx, db.dueChannel);
    return out;
  });
}

async function routes(
  tx: Tx,
  rules: StoreRules,
  item: NewMessage,
  now: number,
  endpointsByApp: Map<string, Endpoint[]>,
): Promise<Planned[]> {
  if (item.state !== 'accepted') return [];
  let endpoints = endpointsByApp.get(item.appId);
  if (!endpoints) {
    endpoints = await runOp(tx, listEndpoints(item.appId));
    endpointsByApp.set(item.appId, endpoints);
  }
  return plan(rules, endpoints, item, now, item.reorderWindowMs, item.notBefore);
}

/** The set-based path: the same outcomes as `ingestOne` item after item, in three or four statements. */
async function ingestBatch(
  tx: Tx,
  rules: StoreRules,
  batch: NewMessage[],
  now: number,
  endpointsByApp: Map<string, Endpoint[]>,
): Promise<IngestOutcome[]> {
  const ids = batch.map(() => newId('msg'));
  const keyOf = (m: NewMessage): string | null =>
    m.eventId !== null && m.dedupeUntil !== null ? `${m.dedupeScope}\u0000${m.eventId}` : null;
  // An event id seen earlier in the batch is a duplicate of that item, whatever becomes of it.
  const firstWithKey = new Map<string, number>();
  const dupOf = batch.map((m, i) => {
    const key = keyOf(m);
    if (key === null) return -1;
    const first = firstWithKey.get(key);
    if (first === undefined) firstWithKey.set(key, i);
    return first ?? -1;
  });
  // Claimed in key order, so two processes claiming overlapping batches lock rows in one order and cannot deadlock.
  const claims = [...firstWithKey.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, i]) => i);
  const existing = new Map<number, string>();
  if (claims.length > 0) {
    const pick = <T>(f: (m: NewMessage, i: number) => T): T[] => claims.map((i) => f(batch[i] as NewMessage, i));
    const claimed = new Set(
      (
        await tx.query(
          `INSERT INTO dedupe (scope, event_id, message_id, expires_at)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
      ON CONFLICT (scope, event_id) DO UPDATE SET message_id = excluded.message_id, expires_at = excluded.expires_at
      WHERE dedupe.expires_at <= $5 RETURNING message_id`,
          [pick((m) => m.dedupeScope), pick((m) => m.eventId), pick((_, i) => ids[i]), pick((m) => m.dedupeUntil), now],
        )
      ).map((r) => r.message_id as string),
    );
    const lost = claims.filter((i) => !claimed.has(ids[i] as string));
    if (lost.length > 0) {
      const rows = await tx.query(
        `SELECT k.n, d.message_id FROM unnest($1::text[], $2::text[], $3::int[]) AS k(scope, event_id, n)
        JOIN dedupe d ON d.scope = k.scope AND d.event_id = k.event_id`,
        [lost.map((i) => batch[i]?.dedupeScope), lost.map((i) => batch[i]?.eventId), lost],
      );
      for (const r of rows) existing.set(num(r.n), r.message_id as string);
      if (existing.size !== lost.length) throw new Error('a dedupe entry vanished while it was being claimed');
    }
  }
  const stored = batch.map((_, i) => dupOf[i] === -1 && !existing.has(i));
  const fresh = batch.flatMap((m, i) => (stored[i] ? [i] : []));
  const col = <T>(f: (m: NewMessage) => T): T[] => fresh.map((i) => f(batch[i] as NewMessage));
  await tx.run(
    `INSERT INTO messages (id, app_id, source, event_type, event_id, ordering_key, sequence, payload, content_type, headers,
      channels, state, error, received_at, validation_errors)
    SELECT m.id, m.app_id, m.source, m.event_type, m.event_id, m.ordering_key, m.sequence, m.payload, m.content_type, m.headers,
      m.channels, m.state, m.error, $13::bigint, m.validation_errors
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bytea[],
      $9::text[], $10::jsonb[], $11::jsonb[], $12::text[], $14::text[], $15::jsonb[]) AS m(id, app_id, source, event_type, event_id,
      ordering_key, sequence, payload, content_type, headers, channels, state, error, validation_errors)`,
    [
      fresh.map((i) => ids[i]),
      col((m) => m.appId),
      col((m) => m.source),
      col((m) => m.eventType),
      col((m) => m.eventId),
      col((m) => m.orderingKey),
      col((m) => m.sequence),
      col((m) => m.payload),
      col((m) => m.contentType),
      col((m) => json(m.headers)),
      col((m) => json(m.channels)),
      col((m) => m.state),
      now,
      col((m) => m.error),
      col((m) => json(m.validationErrors ?? null)),
    ],
  );
  const counts = new Map<number, number>();
  const dl: {
    id: string[];
    message: string[];
    endpoint: string[];
    app: string[];
    key: (string | null)[];
    seq: (number | null)[];
    state: string[];
    nextAt: (number | null)[];
    skip: (string | null)[];
  } = { id: [], message: [], endpoint: [], app: [], key: [], seq: [], state: [], nextAt: [], skip: [] };
  for (const i of fresh) {
    const m = batch[i] as NewMessage;
    const planned = await routes(tx, rules, m, now, endpointsByApp);
    counts.set(i, deliverable(planned));
    for (const p of planned) {
      dl.id.push(newId('dlv'));
      dl.message.push(ids[i] as string);
      dl.endpoint.push(p.endpointId);
      dl.app.push(m.appId);
      dl.key.push(m.orderingKey);
      dl.seq.push(m.sequence);
      dl.state.push(p.state);
      dl.nextAt.push(p.nextAt);
      dl.skip.push(p.skipReason);
    }
  }
  if (dl.id.length > 0) {
    await tx.run(
      `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, state, attempts, next_attempt_at, ordering_key, sequence,
        skip_reason, created_at, updated_at)
      SELECT d.id, d.message_id, d.endpoint_id, d.app_id, d.state, 0, d.next_at, d.ordering_key, d.sequence, d.skip_reason, $7, $7
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $8::text[], $9::bigint[], $10::text[])
        AS d(id, message_id, endpoint_id, app_id, ordering_key, sequence, state, next_at, skip_reason)`,
      [dl.id, dl.message, dl.endpoint, dl.app, dl.key, dl.seq, now, dl.state, dl.nextAt, dl.skip],
    );
  }
  return batch.map((_, i): IngestOutcome => {
    if (stored[i]) return { messageId: ids[i] as string, duplicate: false, deliveries: counts.get(i) ?? 0 };
    const first = dupOf[i] === -1 ? i : (dupOf[i] as number);
    return { messageId: existing.get(first) ?? (ids[first] as string), duplicate: true };
  });
}

async function ingestOne(
  tx: Tx,
  rules: StoreRules,
  item: NewMessage,
  now: number,
  endpointsByApp: Map<string, Endpoint[]>,
): Promise<IngestOutcome> {
  const id = newId('msg');
  if (item.eventId !== null && item.dedupeUntil !== null) {
    const claimed = await tx.query(CLAIM_EVENT_ID, [item.dedupeScope, item.eventId, id, item.dedupeUntil, now]);
    if (claimed.length === 0) {
      const [seen] = await tx.query('SELECT message_id FROM dedupe WHERE scope = $1 AND event_id = $2', [item.dedupeScope, item.eventId]);
      if (seen) return { messageId: seen.message_id as string, duplicate: true };
      throw new Error('the dedupe entry vanished while it was being claimed');
    }
  }
  const planned = await routes(tx, rules, item, now, endpointsByApp);
  await tx.run(INSERT_MESSAGE, [
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
    planned.map(() => newId('dlv')),
    planned.map((p) => p.endpointId),
    planned.map((p) => p.state),
    planned.map((p) => p.nextAt),
    planned.map((p) => p.skipReason),
    json(item.validationErrors ?? null),
  ]);
  return { messageId: id, duplicate: false, deliveries: deliverable(planned) };
}

/** See `Store.replay`. A delivery in flight is left to finish; one waiting for a retry is pulled forward. */
export async function replay(
  db: PgDb,
  rules: StoreRules,
  appId: string,
  messageId: string,
  endpointId: string | null,
  now: number,
): Promise<number> {
  return db.tx(async (tx) => {
    const message = await runOp(tx, getMessage(appId, messageId));
    if (!message) return 0;
    const endpoints = await runOp(tx, listEndpoints(appId));
    const targets =
      endpointId !== null
        ? endpoints.filter((ep) => ep.id === endpointId)
        : rules.routeMessage(endpoints, message).flatMap((r) => (r.route === 'deliver' ? [r.endpoint] : []));
    let queued = 0;
    for (const ep of targets) {
      queued += await tx.run(
        `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, state, attempts, next_attempt_at,
          ordering_key, sequence, manual, created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $7, true, $5, $5)
        ON CONFLICT (message_id, endpoint_id) DO UPDATE SET
          state = 'pending', manual = true, next_attempt_at = excluded.next_attempt_at, updated_at = excluded.updated_at,
          stale = false, skip_reason = NULL
        WHERE deliveries.state IN ('succeeded', 'dead', 'skipped', 'scheduled')`,
        [newId('dlv'), messageId, ep.id, appId, now, message.orderingKey, message.sequence],
      );
    }
    if (queued > 0) await notifyDue(tx, db.dueChannel);
    return queued;
  });
}

/** See `Store.releaseMessages`. */
export async function releaseMessages(
  db: PgDb,
  rules: StoreRules,
  appId: string,
  messageIds: string[],
  now: number,
): Promise<ReleasedMessage[]> {
  if (messageIds.length === 0) return [];
  return db.tx(async (tx) => {
    const endpoints = await runOp(tx, listEndpoints(appId));
    const out: ReleasedMessage[] = [];
    for (const row of await tx.query(
      `UPDATE messages SET state = 'accepted', error = NULL, validation_errors = NULL
      WHERE app_id = $1 AND id = ANY($2::text[]) AND state = 'invalid' RETURNING *`,
      [appId, messageIds],
    )) {
      const message = toMessage(row);
      const planned = plan(rules, endpoints, message, now, undefined);
      if (planned.length > 0) {
        await tx.run(
          `INSERT INTO deliveries (id, message_id, endpoint_id, app_id, state, attempts, next_attempt_at, ordering_key, sequence,
            skip_reason, created_at, updated_at)
          SELECT d.id, $1, d.endpoint_id, $2, d.state, 0, d.next_at, $3, $4, d.skip_reason, $5, $5
          FROM unnest($6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[]) AS d(id, endpoint_id, state, next_at, skip_reason)
          ON CONFLICT (message_id, endpoint_id) DO NOTHING`,
          [
            message.id,
            appId,
            message.orderingKey,
            message.sequence,
            now,
            planned.map(() => newId('dlv')),
            planned.map((p) => p.endpointId),
            planned.map((p) => p.state),
            planned.map((p) => p.nextAt),
            planned.map((p) => p.skipReason),
          ],
        );
      }
      out.push({ messageId: message.id, deliveries: deliverable(planned) });
    }
    if (out.some((r) => r.deliveries > 0)) await notifyDue(tx, db.dueChannel);
    return out;
  });
}
