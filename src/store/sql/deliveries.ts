import { numOrNull, strOrNull } from '../columns.ts';
import { pageCursor, toPage } from '../page.ts';
import type { Page } from '../records.ts';
import { toDelivery, toMessage } from '../rows.ts';
import type { DeliveryView, EndpointMessage } from '../store.ts';
import { all, get, type Op } from './op.ts';

export function* nextDueAt(): Op<number | null> {
  const row = yield* get(`SELECT min(next_attempt_at) AS at FROM deliveries WHERE state IN ('pending', 'scheduled')`);
  return numOrNull(row?.at);
}

export function* listDeliveries(appId: string, messageId: string): Op<DeliveryView[]> {
  const rows = yield* all(
    `SELECT d.*, e.url AS endpoint_url, e.uid AS endpoint_uid FROM deliveries d
    JOIN endpoints e ON e.id = d.endpoint_id WHERE d.app_id = ? AND d.message_id = ? ORDER BY d.id`,
    [appId, messageId],
  );
  return rows.map((row) => ({ ...toDelivery(row), endpointUrl: row.endpoint_url as string, endpointUid: strOrNull(row.endpoint_uid) }));
}

/** Newest message first, keyed by message id (ids sort by time); see `toPage` for the cursor. */
export function* listEndpointMessages(appId: string, endpointId: string, limit: number, iterator?: string): Op<Page<EndpointMessage>> {
  const cursor = pageCursor(iterator);
  const range = cursor ? (cursor.backwards ? 'AND d.message_id > ?' : 'AND d.message_id < ?') : '';
  const rows = yield* all(
    `SELECT m.*, d.state AS delivery_state, d.next_attempt_at AS delivery_next FROM deliveries d
    JOIN messages m ON m.id = d.message_id WHERE d.app_id = ? AND d.endpoint_id = ? ${range}
    ORDER BY d.message_id ${cursor?.backwards ? 'ASC' : 'DESC'} LIMIT ?`,
    [appId, endpointId, ...(cursor ? [cursor.id] : []), limit + 1],
  );
  return toPage(
    rows.map((r) => ({
      ...toMessage(r),
      deliveryState: r.delivery_state as EndpointMessage['deliveryState'],
      nextAttemptAt: numOrNull(r.delivery_next),
    })),
    limit,
    iterator,
  );
}
