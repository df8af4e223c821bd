import type { EndpointHealth } from './health.ts';
import type { Application, Attempt, Delivery, Endpoint, Message } from './records.ts';
import { openSecrets } from './secret-box.ts';
import { bool, jsonOr, num, numOrNull, type Row, strOrNull } from './columns.ts';

// One mapper per record for both stores: the column readers absorb the drivers' differences.
export function toApplication(r: Row): Application {
  return {
    id: r.id as string,
    uid: strOrNull(r.uid),
    name: r.name as string,
    throttleRate: numOrNull(r.throttle_rate),
    metadata: jsonOr(r.metadata, {}),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function toEndpoint(r: Row): Endpoint {
  return {
    id: r.id as string,
    appId: r.app_id as string,
    uid: strOrNull(r.uid),
    url: r.url as string,
    description: r.description as string,
    secrets: openSecrets(jsonOr(r.secrets, [])),
    filterTypes: jsonOr(r.filter_types, null),
    channels: jsonOr(r.channels, null),
    retryScheduleMs: jsonOr(r.retry_schedule, null),
    timeoutMs: numOrNull(r.timeout_ms),
    concurrency: numOrNull(r.concurrency),
    headers: jsonOr(r.headers, {}),
    disabled: bool(r.disabled),
    disabledReason: strOrNull(r.disabled_reason),
    throttleRate: numOrNull(r.throttle_rate),
    metadata: jsonOr(r.metadata, {}),
    version: numOrNull(r.version) ?? 1,
    signatureStyle: r.signature_style === 'svix' ? 'svix' : 'webhook',
    providerSignature: r.provider_signature === 'forward' || r.provider_signature === 'drop' ? r.provider_signature : 'resign',
    fifo: bool(r.fifo),
    stalePolicy: r.stale_policy === 'deliver' ? 'deliver' : 'skip',
    onDead: r.on_dead === 'block' ? 'block' : 'skip',
    reorderWindowMs: numOrNull(r.reorder_window_ms),
    filter: jsonOr(r.filter, null),
    recordSkipped: bool(r.record_skipped),
    transformation: jsonOr(r.transformation, null),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function toMessage(r: Row): Message {
  return {
    id: r.id as string,
    appId: r.app_id as string,
    source: strOrNull(r.source),
    eventType: strOrNull(r.event_type),
    eventId: strOrNull(r.event_id),
    orderingKey: strOrNull(r.ordering_key),
    sequence: numOrNull(r.sequence),
    payload: (r.payload as Buffer | null) ?? null,
    contentType: strOrNull(r.content_type),
    headers: jsonOr(r.headers, {}),
    channels: jsonOr(r.channels, null),
    state: r.state as Message['state'],
    error: strOrNull(r.error),
    validationErrors: jsonOr(r.validation_errors, null),
    receivedAt: num(r.received_at),
  };
}

export function toDelivery(r: Row): Delivery {
  return {
    id: r.id as string,
    messageId: r.message_id as string,
    endpointId: r.endpoint_id as string,
    appId: r.app_id as string,
    state: r.state as Delivery['state'],
    attempts: num(r.attempts),
    nextAttemptAt: numOrNull(r.next_attempt_at),
    leaseOwner: strOrNull(r.lease_owner),
    leaseExpiresAt: numOrNull(r.lease_expires_at),
    manual: bool(r.manual),
    lastStatus: numOrNull(r.last_status),
    lastError: strOrNull(r.last_error),
    stale: bool(r.stale),
    skipReason: (r.skip_reason as Delivery['skipReason'] | undefined) ?? null,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function toAttempt(r: Row): Attempt {
  return {
    id: r.id as string,
    deliveryId: r.delivery_id as string,
    messageId: r.message_id as string,
    endpointId: r.endpoint_id as string,
    appId: r.app_id as string,
    url: r.url as string,
    trigger: r.trigger as Attempt['trigger'],
    startedAt: num(r.started_at),
    durationMs: num(r.duration_ms),
    status: numOrNull(r.status),
    responseBody: strOrNull(r.response_body),
    error: strOrNull(r.error),
    succeeded: bool(r.succeeded),
    requestHeaders: jsonOr<Record<string, string> | null>(r.request_headers, null),
    responseHeaders: jsonOr<Array<[string, string]> | null>(r.response_headers, null),
  };
}

export function toHealth(r: Row): EndpointHealth {
  return {
    throttleNextAt: numOrNull(r.throttle_next_at),
    breaker: r.breaker as EndpointHealth['breaker'],
    breakerUntil: numOrNull(r.breaker_until),
    consecutiveFailures: num(r.consecutive_failures),
    failingSince: numOrNull(r.failing_since),
    windowStart: numOrNull(r.window_start),
    windowTotal: num(r.window_total),
    windowFailures: num(r.window_failures),
  };
}
