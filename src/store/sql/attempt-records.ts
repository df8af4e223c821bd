import { newId } from '../ids.ts';
import type { AttemptRecord } from '../store.ts';
import type { SqlDialect } from './dialect.ts';
import { json, type Op, run } from './op.ts';
import { chunks, valuesRows } from './values.ts';

/**
 * Attempts and their delivery transitions, many at once (the caller's one
 * transaction): the attempts in multi-row INSERTs, the deliveries in one
 * UPDATE per chunk, the succeeded keys' marks in one upsert. The lease owner
 * check keeps a late result (after the lease was taken back, and maybe given
 * to another worker) from moving a delivery it no longer holds; the attempt
 * itself is still recorded, because it did happen. (One delivery appears at
 * most once per batch: only its lease holder records it, once.)
 */
export function* recordAttempts(dialect: SqlDialect, records: readonly AttemptRecord[]): Op<void> {
  if (records.length === 0) return;
  for (const part of chunks(dialect, records)) {
    yield* run(
      `INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, url, trigger, started_at, duration_ms,
        status, response_body, error, succeeded, request_headers, response_headers) VALUES ${valuesRows(part.length, Array(15).fill('?'))}`,
      part.flatMap(({ deliveryId, attempt: a }) => [
        newId('atmpt'),
        deliveryId,
        a.messageId,
        a.endpointId,
        a.appId,
        a.url,
        a.trigger,
        a.startedAt,
        a.durationMs,
        a.status,
        a.responseBody,
        a.error,
        a.succeeded,
        json(a.requestHeaders ?? null),
        json(a.responseHeaders ?? null),
      ]),
    );
    const cells = ['TEXT', 'TEXT', 'TEXT', 'BIGINT', 'INTEGER', 'TEXT', 'BIGINT', 'TEXT'].map((t) => `CAST(? AS ${t})`);
    yield* run(
      `WITH r(rid, owner, next_state, next_at, status, error, at, reason) AS (VALUES ${valuesRows(part.length, cells)})
      UPDATE deliveries SET state = r.next_state, attempts = attempts + 1, next_attempt_at = r.next_at, lease_owner = NULL,
        lease_expires_at = NULL, manual = ?, last_status = r.status, last_error = r.error, updated_at = r.at, skip_reason = r.reason
      FROM r WHERE deliveries.id = r.rid AND deliveries.lease_owner = r.owner AND deliveries.state = 'in_flight'`,
      [
        ...part.flatMap(({ deliveryId, leaseOwner, next, attempt: a }) => [
          deliveryId,
          leaseOwner,
          next.state,
          next.state === 'scheduled' ? next.at : null,
          a.status,
          a.error,
          a.startedAt + a.durationMs,
          next.state === 'skipped' ? next.reason : null,
        ]),
        false,
      ],
    );
  }
  // Stale detection compares with the highest sequence delivered per (FIFO endpoint, key). One row per key
  // (an upsert may not touch a row twice), in key order so two recorders cannot deadlock; the larger wins, so a repeat is harmless.
  const succeeded = records.filter((r) => r.next.state === 'succeeded');
  if (succeeded.length > 0) {
    yield* run(
      `INSERT INTO ordering_marks (endpoint_id, ordering_key, last_sequence, updated_at)
      SELECT d.endpoint_id, d.ordering_key, max(d.sequence), ? FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
      WHERE ${dialect.inList('d.id')} AND d.state = 'succeeded' AND e.fifo AND d.ordering_key IS NOT NULL AND d.sequence IS NOT NULL
      GROUP BY d.endpoint_id, d.ordering_key ORDER BY d.endpoint_id, d.ordering_key
      ON CONFLICT (endpoint_id, ordering_key) DO UPDATE SET
        last_sequence = ${dialect.greatest('ordering_marks.last_sequence', 'excluded.last_sequence')}, updated_at = excluded.updated_at`,
      [Math.max(...succeeded.map((r) => r.attempt.startedAt + r.attempt.durationMs)), dialect.list(succeeded.map((r) => r.deliveryId))],
    );
  }
  for (const r of records) {
    if (r.disableEndpoint === undefined) continue;
    yield* run('UPDATE endpoints SET disabled = ?, disabled_reason = ?, updated_at = ? WHERE id = ?', [
      true,
      r.disableEndpoint,
      Date.now(),
      r.attempt.endpointId,
    ]);
  }
}
