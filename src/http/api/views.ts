import { defaults } from '../../config/defaults.ts';
import { sensitiveNames } from '../../delivery/attempt-headers.ts';
import { depthRefusal } from '../../ingest/json-depth.ts';
import type { Attempt, Endpoint, Message } from '../../store/records.ts';
import type { DeliveryView, EndpointMessage } from '../../store/store.ts';

/**
 * Svix's MessageStatus numbers and their MessageStatusText names, used by its
 * SDKs. A skipped delivery (filtered out, or stale on a FIFO endpoint) will
 * never be attempted: Svix's `canceled`.
 */
const STATUS = { succeeded: 0, pending: 1, scheduled: 1, failed: 2, dead: 2, in_flight: 3, skipped: 4 } as const;
const STATUS_TEXT = ['success', 'pending', 'fail', 'sending', 'canceled'] as const;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * The payload as JSON when it is JSON, else as text (the raw bytes stay in the
 * store). Whatever bytes are stored, the answer renders: JSON nesting deeper
 * than any limit the gateway accepts comes back as its text, since parsing it
 * would overflow the serializer's stack.
 */
export function payloadOf(message: Pick<Message, 'payload'>): unknown {
  if (message.payload === null) return null;
  const text = message.payload.toString('utf8');
  if (depthRefusal(message.payload, defaults.maxNestingDepthCeiling)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Svix's MessageOut, plus Sluice's fields (source, state, error, orderingKey).
 * Without content the payload is `{}`, as Svix answers: its 2.x models require the field.
 */
export function messageView(message: Message, withContent = true): Record<string, unknown> {
  return {
    id: message.id,
    eventId: message.eventId,
    eventType: message.eventType,
    payload: withContent ? payloadOf(message) : {},
    channels: message.channels,
    timestamp: iso(message.receivedAt),
    source: message.source,
    state: message.state,
    error: message.error,
    contentType: message.contentType,
    orderingKey: message.orderingKey,
    sequence: message.sequence,
    validationErrors: message.validationErrors,
  };
}

/**
 * Svix's MessageAttemptOut, plus `error` (why no response arrived) and the
 * attempt's headers under the names of Svix's MessageAttemptHeadersOut
 * (`sentHeaders`, `responseHeaders` as [name, value] pairs, `sensitive`: the
 * sent headers whose values were not stored); `null` where not recorded.
 */
export function attemptView(a: Attempt): Record<string, unknown> {
  return {
    id: a.id,
    msgId: a.messageId,
    endpointId: a.endpointId,
    url: a.url,
    response: a.responseBody ?? '',
    responseStatusCode: a.status ?? 0,
    responseDurationMs: a.durationMs,
    status: a.succeeded ? STATUS.succeeded : STATUS.failed,
    statusText: a.succeeded ? STATUS_TEXT[STATUS.succeeded] : STATUS_TEXT[STATUS.failed],
    triggerType: a.trigger === 'manual' ? 1 : 0,
    timestamp: iso(a.startedAt),
    error: a.error,
    sentHeaders: a.requestHeaders ?? null,
    responseHeaders: a.responseHeaders ?? null,
    sensitive: sensitiveNames(a.requestHeaders),
  };
}

/**
 * One message × endpoint: Svix's MessageEndpointOut (the endpoint's own fields,
 * when it still exists, with the delivery's status) and the delivery's state.
 */
export function deliveryView(d: DeliveryView, endpoint?: Endpoint): Record<string, unknown> {
  return {
    id: d.endpointId,
    uid: d.endpointUid,
    url: d.endpointUrl,
    ...(endpoint
      ? {
          description: endpoint.description,
          disabled: endpoint.disabled,
          throttleRate: endpoint.throttleRate,
          rateLimit: endpoint.throttleRate,
          filterTypes: endpoint.filterTypes,
          eventTypes: endpoint.filterTypes,
          channels: endpoint.channels,
          createdAt: iso(endpoint.createdAt),
          updatedAt: iso(endpoint.updatedAt),
        }
      : { description: '', createdAt: iso(d.createdAt), updatedAt: iso(d.updatedAt) }),
    deliveryId: d.id,
    status: STATUS[d.state],
    statusText: STATUS_TEXT[STATUS[d.state]],
    state: d.state,
    attempts: d.attempts,
    nextAttempt: iso(d.state === 'pending' || d.state === 'scheduled' ? d.nextAttemptAt : null),
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    stale: d.stale,
    skipReason: d.skipReason,
  };
}

/** Svix's EndpointMessageOut: the message, with its delivery's status to this endpoint. */
export function endpointMessageView(m: EndpointMessage, withContent = true): Record<string, unknown> {
  return {
    ...messageView(m, withContent),
    status: STATUS[m.deliveryState],
    statusText: STATUS_TEXT[STATUS[m.deliveryState]],
    state: m.deliveryState,
    nextAttempt: iso(m.deliveryState === 'pending' || m.deliveryState === 'scheduled' ? m.nextAttemptAt : null),
  };
}
