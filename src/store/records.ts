/** The domain's records, as the Store reads and writes them. Times are ms since the epoch. */

export type MessageState = 'accepted' | 'invalid' | 'stale';
export type DeliveryState = 'pending' | 'in_flight' | 'scheduled' | 'succeeded' | 'dead' | 'skipped';
export type AttemptTrigger = 'scheduled' | 'manual';
export type SignatureStyle = 'webhook' | 'svix';
/**
 * What a delivery of an inbound message does with the provider's own signature
 * headers: `forward` them as received, `resign` them afresh in the provider's
 * scheme at each attempt (so a handler checking the provider's tolerance
 * accepts retries and replays), or `drop` them (only Sluice's signature goes).
 */
export type ProviderSignature = 'forward' | 'resign' | 'drop';
export type StalePolicy = 'skip' | 'deliver';
export type OnDeadPolicy = 'skip' | 'block';
export type SkipReason = 'filtered' | 'stale' | 'cancelled';
/** What a token or console session may do: admin everything; operator all but tokens and settings; viewer read only. */
export type Role = 'admin' | 'operator' | 'viewer';
/** Svix's app-portal capabilities, by its names (what a portal grant carries). */
export const CAPABILITIES = [
  'ViewBase',
  'ViewEndpointSecret',
  'ManageEndpointSecret',
  'ManageTransformations',
  'CreateAttempts',
  'ManageEndpoint',
] as const;
export type Capability = (typeof CAPABILITIES)[number];
/** A payload filter as written (JSON); compiled by `src/delivery/filter.ts`. */
export type FilterDocument = { [key: string]: unknown };

/**
 * A JavaScript function `(webhook) => webhook` run in the sandbox (`src/transform/`): on an
 * endpoint before each delivery is signed, on a source before fan-out.
 */
export interface Transformation {
  code: string;
  enabled: boolean;
}

/** One JSON Schema failure of a message: where in the payload, and what is wrong. */
export interface ValidationIssue {
  /** JSON Pointer into the payload (`/data/amount`); `''` for the whole payload. */
  path: string;
  message: string;
}

export interface Application {
  id: string;
  uid: string | null;
  name: string;
  /** Messages/s for endpoints that set no `throttleRate` of their own; `null`: unlimited. */
  throttleRate: number | null;
  metadata: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

export interface EndpointSecret {
  secret: string;
  /** A rotated-out secret keeps signing until then; `null` for the current one. */
  expiresAt: number | null;
}

export interface Endpoint {
  id: string;
  appId: string;
  uid: string | null;
  url: string;
  description: string;
  /** The current secret first. */
  secrets: EndpointSecret[];
  filterTypes: string[] | null;
  channels: string[] | null;
  retryScheduleMs: number[] | null;
  timeoutMs: number | null;
  concurrency: number | null;
  headers: Record<string, string>;
  disabled: boolean;
  disabledReason: string | null;
  /** Messages/s; `null`: the application's, else unlimited. */
  throttleRate: number | null;
  metadata: Record<string, string>;
  version: number;
  /** Which header names carry the signature: Standard Webhooks' `webhook-*` or Svix's `svix-*`. */
  signatureStyle: SignatureStyle;
  providerSignature: ProviderSignature;
  /** Deliveries of one ordering key go one at a time, in sequence order (docs/ordering.md). */
  fifo: boolean;
  /** What a FIFO endpoint does with a message older than the last one delivered for its key. */
  stalePolicy: StalePolicy;
  /** Whether a dead head lets its key continue (`skip`) or holds it for an operator (`block`). */
  onDead: OnDeadPolicy;
  /** Hold-back for keyed messages on a FIFO endpoint; `null`: the source's window. */
  reorderWindowMs: number | null;
  /** Payload filter document (`src/delivery/filter.ts`); `null`: everything passes. */
  filter: FilterDocument | null;
  /** Record deliveries the payload filter turned away as `skipped` (for debugging). */
  recordSkipped: boolean;
  /** Applied to each delivery before it is signed; `null`: none. */
  transformation: Transformation | null;
  createdAt: number;
  updatedAt: number;
}

export interface Message {
  id: string;
  appId: string;
  /** The source's name for inbound messages; `null` for messages created through the API. */
  source: string | null;
  eventType: string | null;
  eventId: string | null;
  orderingKey: string | null;
  sequence: number | null;
  /** The body exactly as received; `null` once purged. */
  payload: Buffer | null;
  contentType: string | null;
  /** The sender's headers that are forwarded with each delivery. */
  headers: Record<string, string>;
  channels: string[] | null;
  state: MessageState;
  /** Why the message is `invalid`. */
  error: string | null;
  /** Every schema failure of an `invalid` message; `null` when the schema was not the reason. */
  validationErrors: ValidationIssue[] | null;
  receivedAt: number;
}

export interface Delivery {
  id: string;
  messageId: string;
  endpointId: string;
  appId: string;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: number | null;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  /** The next attempt was asked for by an operator (replay); it is not retried. */
  manual: boolean;
  lastStatus: number | null;
  lastError: string | null;
  /** The message was older than the last one delivered for its key (sent with `Sluice-Stale: true`, or skipped). */
  stale: boolean;
  /** Why a `skipped` delivery was skipped. */
  skipReason: SkipReason | null;
  createdAt: number;
  updatedAt: number;
}

export interface Attempt {
  id: string;
  deliveryId: string;
  messageId: string;
  endpointId: string;
  appId: string;
  url: string;
  trigger: AttemptTrigger;
  startedAt: number;
  durationMs: number;
  /** HTTP status, or `null` when no response arrived. */
  status: number | null;
  /** First 4 KiB of the response body. */
  responseBody: string | null;
  error: string | null;
  succeeded: boolean;
  /** The headers Sluice sent, credentials redacted (`delivery/attempt-headers.ts`); `null`: not recorded. */
  requestHeaders?: Record<string, string> | null;
  /** The receiver's response headers as received, bounded; `null`: no response, or not recorded. */
  responseHeaders?: Array<[string, string]> | null;
}

/** One page of a list, newest first; `iterator` continues it, `prevIterator` goes back. */
export interface Page<T> {
  data: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

/**
 * An endpoint as the config declares it and a config sync writes it: the
 * config reads its YAML into this shape (`EndpointConfig`), the store syncs it.
 */
export interface SyncedEndpoint {
  /** The YAML `id`; stored as the endpoint's `uid`, unique within its application. */
  uid: string;
  url: string;
  description: string;
  secret: string | undefined;
  filterTypes: string[] | null;
  retryScheduleMs: number[] | null;
  timeoutMs: number | null;
  concurrency: number | null;
  headers: Record<string, string>;
  disabled: boolean;
  /** Ordering and routing (docs/ordering.md); absent means the default (`EndpointDefaults`). */
  fifo?: boolean;
  stale?: StalePolicy;
  onDead?: OnDeadPolicy;
  reorderWindowMs?: number | null;
  filter?: FilterDocument | null;
  recordSkipped?: boolean;
  /** `forward | resign | drop`; absent means the default (`resign`). */
  providerSignature?: ProviderSignature;
  /** Set when the YAML names one (`transformation:`); absent leaves what the API set. */
  transformation?: Transformation | null;
}
