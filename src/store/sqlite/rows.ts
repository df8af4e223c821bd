import { openSecrets } from '../secret-box.ts';
import type { Application, Attempt, Delivery, Endpoint, Message } from '../records.ts';
import { parseJson, type Row } from './db.ts';

export function toApplication(r: Row): Application {
  return {
    id: r.id as string,
    uid: (r.uid as string | null) ?? null,
    name: r.name as string,
    throttleRate: (r.throttle_rate as number | null | undefined) ?? null,
    metadata: parseJson(r.metadata, {}),
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

export function toEndpoint(r: Row): Endpoint {
  return {
    id: r.id as string,
    appId: r.app_id as string,
    uid: (r.uid as string | null) ?? null,
    url: r.url as string,
    description: r.description as string,
    secrets: openSecrets(parseJson(r.secrets, [])),
    filterTypes: parseJson(r.filter_types, null),
    channels: parseJson(r.channels, null),
    retryScheduleMs: parseJson(r.retry_schedule, null),
    timeoutMs: (r.timeout_ms as number | null) ?? null,
    concurrency: (r.concurrency as number | null) ?? null,
    headers: parseJson(r.headers, {}),
    disabled: r.disabled === 1,
    disabledReason: (r.disabled_reason as string | null) ?? null,
    throttleRate: (r.throttle_rate as number | null | undefined) ?? null,
    metadata: parseJson(r.metadata, {}),
    version: (r.version as number | undefined) ?? 1,
    signatureStyle: r.signature_style === 'svix' ? 'svix' : 'webhook',
    providerSignature: r.provider_signature === 'forward' || r.provider_signature === 'drop' ? r.provider_signature : 'resign',
    fifo: r.fifo === 1,
    stalePolicy: r.stale_policy === 'deliver' ? 'deliver' : 'skip',
    onDead: r.on_dead === 'block' ? 'block' : 'skip',
    reorderWindowMs: (r.reorder_window_ms as number | null | undefined) ?? null,
    filter: parseJson(r.filter, null),
    recordSkipped: r.record_skipped === 1,
    transformation: parseJson(r.transformation, null),
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

export function toMessage(r: Row): Message {
  return {
    id: r.id as string,
    appId: r.app_id as string,
    source: (r.source as string | null) ?? null,
    eventType: (r.event_type as string | null) ?? null,
    eventId: (r.event_id as string | null) ?? null,
    orderingKey: (r.ordering_key as string | null) ?? null,
    sequence: (r.sequence as number | null) ?? null,
    payload: (r.payload as Buffer | null) ?? null,
    contentType: (r.content_type as string | null) ?? null,
    headers: parseJson(r.headers, {}),
    channels: parseJson(r.channels, null),
    state: r.state as Message['state'],
    error: (r.error as string | null) ?? null,
    validationErrors: parseJson(r.validation_errors, null),
    receivedAt: r.received_at as number,
  };
}

export function toDelivery(r: Row): Delivery {
  return {
    id: r.id as string,
    messageId: r.message_id as string,
    endpointId: r.endpoint_id as string,
    appId: r.app_id as string,
    state: r.state as Delivery['state'],
    attempts: r.attempts as number,
    nextAttemptAt: (r.next_attempt_at as number | null) ?? null,
    leaseOwner: (r.lease_owner as string | null) ?? null,
    leaseExpiresAt: (r.lease_expires_at as number | null) ?? null,
    manual: r.manual === 1,
    lastStatus: (r.last_status as number | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    stale: r.stale === 1,
    skipReason: (r.skip_reason as Delivery['skipReason'] | undefined) ?? null,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
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
    startedAt: r.started_at as number,
    durationMs: r.duration_ms as number,
    status: (r.status as number | null) ?? null,
    responseBody: (r.response_body as string | null) ?? null,
    error: (r.error as string | null) ?? null,
    succeeded: r.succeeded === 1,
    requestHeaders: parseJson<Record<string, string> | null>(r.request_headers, null),
    responseHeaders: parseJson<Array<[string, string]> | null>(r.response_headers, null),
  };
}
