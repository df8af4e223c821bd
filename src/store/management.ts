import type { HealthChange, HealthPolicy } from './health.ts';
import type { Application, Endpoint, EndpointSecret, Page, ProviderSignature, SignatureStyle } from './records.ts';

/** An event type: a dotted name with optional JSON Schemas, one per version (`{"1": {...}}`). */
export interface EventType {
  name: string;
  description: string;
  schemas: Record<string, unknown> | null;
  deprecated: boolean;
  archived: boolean;
  featureFlag: string | null;
  groupName: string | null;
  createdAt: number;
  updatedAt: number;
}

export type EventTypeInput = Omit<EventType, 'createdAt' | 'updatedAt'>;

/** What the API sets on an application (every field: PUT and PATCH are merged before). */
export interface ApplicationInput {
  uid: string | null;
  name: string;
  throttleRate: number | null;
  metadata: Record<string, string>;
}

/** What the API sets on an endpoint (every field; the caller merges a PATCH first). */
export interface EndpointInput {
  uid: string | null;
  url: string;
  description: string;
  secrets: EndpointSecret[];
  filterTypes: string[] | null;
  channels: string[] | null;
  throttleRate: number | null;
  metadata: Record<string, string>;
  version: number;
  headers: Record<string, string>;
  disabled: boolean;
  signatureStyle: SignatureStyle;
  /** Absent: unchanged on update, the default on create. */
  providerSignature?: ProviderSignature;
  /** The endpoint's own retry delays in ms (`null`: the global schedule); absent: unchanged on update, `null` on create. */
  retryScheduleMs?: number[] | null;
}

/** A write that may hit a unique uid/name: the record, or which value was taken. */
export type Created<T> = { ok: T } | { conflict: string };

export interface ListQuery {
  limit: number;
  iterator?: string;
}

/** Deliveries of one endpoint by outcome (Svix's EndpointStats). */
export interface EndpointStats {
  success: number;
  pending: number;
  sending: number;
  fail: number;
  /** Skipped deliveries (filtered out or stale): never to be attempted, Svix's `canceled`. */
  canceled: number;
}

/** The first answer stored under an Idempotency-Key, or that it is still being made. */
export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'running'; request: string }
  | { state: 'done'; request: string; status: number; body: string };

/**
 * The store operations of the management API (applications, endpoints and event
 * types managed at run time), idempotency keys, payload retention, and the
 * per-endpoint health shared by every worker (throttle slot, circuit breaker).
 */
export interface ManagementStore {
  createApplication(input: ApplicationInput, now: number): Promise<Created<Application>>;
  listApplications(query: ListQuery): Promise<Page<Application>>;
  updateApplication(id: string, input: ApplicationInput, now: number): Promise<Created<Application> | null>;
  /** Deletes the application with its endpoints, messages, deliveries and attempts. */
  deleteApplication(id: string): Promise<boolean>;

  listEndpointPage(appId: string, query: ListQuery): Promise<Page<Endpoint>>;
  createEndpoint(appId: string, input: EndpointInput, now: number): Promise<Created<Endpoint>>;
  updateEndpoint(appId: string, id: string, input: EndpointInput, now: number): Promise<Created<Endpoint> | null>;
  /** Deletes the endpoint and its deliveries (attempts stay as history). */
  deleteEndpoint(appId: string, id: string): Promise<boolean>;
  endpointStats(appId: string, endpointId: string): Promise<EndpointStats>;
  /** Queues one more (manual) attempt of every dead delivery of the endpoint created in [since, until); returns how many. */
  recoverEndpoint(appId: string, endpointId: string, since: number, until: number, now: number): Promise<number>;
  /** Stores a message for one endpoint only (send-example), with its delivery, durably. */
  ingestForEndpoint(appId: string, endpointId: string, eventType: string, payload: Buffer, now: number): Promise<string>;

  createEventType(input: EventTypeInput, now: number): Promise<Created<EventType>>;
  getEventType(name: string): Promise<EventType | null>;
  listEventTypes(query: ListQuery & { includeArchived: boolean }): Promise<Page<EventType>>;
  updateEventType(input: EventTypeInput, now: number): Promise<EventType | null>;
  deleteEventType(name: string): Promise<boolean>;

  /** Claims (scope, key) for a request, or returns what is stored under it. Expired entries are taken over. */
  claimIdempotency(scope: string, key: string, request: string, now: number, expiresAt: number): Promise<IdempotencyClaim>;
  completeIdempotency(scope: string, key: string, status: number, body: string): Promise<void>;
  /** Forgets a claim whose request failed, so a retry runs again. */
  releaseIdempotency(scope: string, key: string): Promise<void>;
  purgeIdempotency(now: number): Promise<number>;

  /** Gives a message its own payload retention. */
  setPayloadExpiry(messageId: string, at: number): Promise<void>;
  deleteMessageContent(appId: string, messageId: string): Promise<boolean>;
  /**
   * Drops payloads past their retention: messages with their own expiry, and the
   * others received before `defaultBefore` with an id from `fromId` on. Returns
   * how many and the last id it looked at (where the next pass starts).
   */
  purgePayloads(now: number, defaultBefore: number, fromId: string, limit: number): Promise<{ purged: number; lastId: string }>;

  /** Counts an attempt's outcome towards its endpoint's breaker; one transaction per call. */
  recordEndpointHealth(endpointId: string, ok: boolean, now: number, policy: HealthPolicy): Promise<HealthChange>;
  /** When the earliest throttled or broken endpoint may send again, if after `now`. */
  nextUnblockAt(now: number): Promise<number | null>;
}
