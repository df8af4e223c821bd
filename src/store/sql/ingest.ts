import { newId } from '../ids.ts';
import type { Endpoint } from '../records.ts';
import type { StoreRules } from '../rules.ts';
import type { IngestOutcome, NewMessage } from '../store.ts';
import { listEndpoints } from './applications.ts';
import type { SqlDialect } from './dialect.ts';
import { deliveryRows, INSERT_DELIVERIES } from './messages.ts';
import { allRows, runRows } from './multi-row.ts';
import { json, type Op, run, wake } from './op.ts';

/**
 * Claims (scope, event id) for new messages. A live entry wins and its row is
 * not returned; an expired one is taken over. Two processes ingesting the same
 * event at once meet on the primary key: the second waits for the first to
 * commit and then sees its live entry, so only one message is stored.
 */
const CLAIM = {
  head: 'INSERT INTO dedupe (scope, event_id, message_id, expires_at) VALUES',
  tail: ` ON CONFLICT (scope, event_id) DO UPDATE SET message_id = excluded.message_id, expires_at = excluded.expires_at
  WHERE dedupe.expires_at <= ? RETURNING message_id`,
};
const CLAIMED_BY = {
  head: 'SELECT scope, event_id, message_id FROM dedupe WHERE (scope, event_id) IN (VALUES',
  tail: ')',
};
const INSERT_MESSAGES = {
  head: `INSERT INTO messages (id, app_id, source, event_type, event_id, ordering_key, sequence, payload, content_type, headers,
  channels, state, error, received_at, validation_errors) VALUES`,
};

const keyOf = (m: NewMessage): string | null =>
  m.eventId !== null && m.dedupeUntil !== null ? `${m.dedupeScope}\u0000${m.eventId}` : null;

/**
 * One durable transaction's worth of messages, written with one multi-row
 * statement per table (dedupe, messages, deliveries). If any statement fails,
 * the batch is rolled back to its savepoint and written again item by item,
 * each in its own savepoint, so one failing item does not sink the others.
 */
export function* ingestMessages(dialect: SqlDialect, rules: StoreRules, batch: NewMessage[], now: number): Op<IngestOutcome[]> {
  const endpointsByApp = new Map<string, Endpoint[]>();
  let out = yield* inSavepoint(writeBatch(dialect, rules, batch, now, endpointsByApp));
  if ('error' in out) {
    const failed = out.error;
    out = [];
    if (batch.length === 1) out.push({ error: failed });
    else
      for (const item of batch) {
        const one = yield* inSavepoint(writeBatch(dialect, rules, [item], now, endpointsByApp));
        out.push('error' in one ? { error: one.error } : (one[0] as IngestOutcome));
      }
  }
  if (out.some((o) => 'deliveries' in o && o.deliveries > 0)) yield* wake();
  return out;
}

/** `op`'s writes, or none of them and the error it failed with (a failed statement aborts a PostgreSQL transaction until then). */
function* inSavepoint<T>(op: Op<T>): Op<T | { error: Error }> {
  yield* run('SAVEPOINT ingest');
  try {
    const result = yield* op;
    yield* run('RELEASE SAVEPOINT ingest');
    return result;
  } catch (err) {
    yield* run('ROLLBACK TO SAVEPOINT ingest');
    yield* run('RELEASE SAVEPOINT ingest');
    return { error: new Error('could not store the message', { cause: err }) };
  }
}

function* writeBatch(
  dialect: SqlDialect,
  rules: StoreRules,
  batch: NewMessage[],
  now: number,
  endpointsByApp: Map<string, Endpoint[]>,
): Op<IngestOutcome[]> {
  // Made in batch order, so id order stays arrival order (what FIFO and paging read).
  const ids = batch.map(() => newId('msg'));
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
    const rows = claims.map((i) => {
      const m = batch[i] as NewMessage;
      return [m.dedupeScope, m.eventId, ids[i], m.dedupeUntil];
    });
    const claimed = new Set((yield* allRows(dialect, { ...CLAIM, after: [now] }, rows)).map((r) => r.message_id as string));
    const lost = claims.filter((i) => !claimed.has(ids[i] as string));
    if (lost.length > 0) {
      const holders = new Map<string, string>();
      const keys = lost.map((i) => [batch[i]?.dedupeScope, batch[i]?.eventId]);
      for (const r of yield* allRows(dialect, CLAIMED_BY, keys)) holders.set(`${r.scope}\u0000${r.event_id}`, r.message_id as string);
      for (const i of lost) {
        const holder = holders.get(keyOf(batch[i] as NewMessage) as string);
        if (holder === undefined) throw new Error('a dedupe entry vanished while it was being claimed');
        existing.set(i, holder);
      }
    }
  }
  const fresh = batch.flatMap((_, i) => (dupOf[i] === -1 && !existing.has(i) ? [i] : []));
  yield* runRows(
    dialect,
    INSERT_MESSAGES,
    fresh.map((i) => {
      const m = batch[i] as NewMessage;
      return [
        ids[i],
        m.appId,
        m.source,
        m.eventType,
        m.eventId,
        m.orderingKey,
        m.sequence,
        // The body as received: bound as bytes, never parsed or re-serialised here.
        m.payload,
        m.contentType,
        json(m.headers),
        json(m.channels),
        m.state,
        m.error,
        now,
        json(m.validationErrors ?? null),
      ];
    }),
  );
  const deliverable = new Map<number, number>();
  const rows: unknown[][] = [];
  for (const i of fresh) {
    const m = batch[i] as NewMessage;
    if (m.state !== 'accepted') continue;
    let endpoints = endpointsByApp.get(m.appId);
    if (!endpoints) {
      endpoints = yield* listEndpoints(m.appId);
      endpointsByApp.set(m.appId, endpoints);
    }
    const planned = rules.planFanOut(endpoints, m, now, m.reorderWindowMs, m.notBefore);
    deliverable.set(i, planned.filter((p) => p.state === 'pending').length);
    rows.push(...deliveryRows(ids[i] as string, m, planned, now));
  }
  yield* runRows(dialect, INSERT_DELIVERIES, rows);
  return batch.map((_, i): IngestOutcome => {
    if (dupOf[i] === -1 && !existing.has(i)) return { messageId: ids[i] as string, duplicate: false, deliveries: deliverable.get(i) ?? 0 };
    const first = dupOf[i] === -1 ? i : (dupOf[i] as number);
    return { messageId: existing.get(first) ?? (ids[first] as string), duplicate: true };
  });
}
