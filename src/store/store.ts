import type { SecurityStore } from './security.ts';
import type { PortalStore } from './portal.ts';
import type { SyncedApplication } from './endpoint-sync.ts';
import type { ConsoleStore } from './console.ts';
import type { OperationsStore } from './operations.ts';
import type { ManagementStore } from './management.ts';
import type { TransformationStore } from './transformations.ts';
import type {
  Application,
  Attempt,
  AttemptTrigger,
  Delivery,
  DeliveryState,
  Endpoint,
  Message,
  MessageState,
  Page,
  ValidationIssue,
} from './records.ts';

/** A message to store, as ingest (or the API) produced it. */
export interface NewMessage {
  appId: string;
  source: string | null;
  eventType: string | null;
  eventId: string | null;
  orderingKey: string | null;
  sequence: number | null;
  payload: Buffer;
  contentType: string | null;
  headers: Record<string, string>;
  channels: string[] | null;
  state: MessageState;
  error: string | null;
  /** Duplicates of (`dedupeScope`, `eventId`) are dropped until then; `null`: no dedupe. */
  dedupeScope: string;
  dedupeUntil: number | null;
  /** Every schema failure of an `invalid` message (the quarantine shows them). */
  validationErrors?: ValidationIssue[] | null;
  /** Hold-back of a keyed message on FIFO endpoints that set no window of their own (the source's `reorderWindow`). */
  reorderWindowMs?: number;
  /** Its deliveries are not due before this time (Svix's `deliverAt`, a scheduled message). */
  notBefore?: number;
}

export type IngestOutcome =
  | { messageId: string; duplicate: false; deliveries: number }
  | { messageId: string; duplicate: true }
  | { error: Error };

/** Delivery defaults from the config, for endpoints that do not set their own. */
export interface LeaseOptions {
  owner: string;
  now: number;
  limit: number;
  defaultTimeoutMs: number;
  defaultConcurrency: number;
  leaseGraceMs: number;
  /**
   * Read every open endpoint's due deliveries on its own instead of the window of the
   * due queue first: the worker's recovery when its stall check finds work nothing leased.
   */
  fullScan?: boolean;
}

/** A leased delivery with what the deliverer needs to send it. */
export interface LeasedDelivery {
  delivery: Delivery;
  message: Message;
  endpoint: Endpoint;
  trigger: AttemptTrigger;
}

export type NextState =
  | { state: 'succeeded' }
  | { state: 'scheduled'; at: number }
  | { state: 'dead' }
  /** Not sent, on purpose (a transformation cancelled it); the attempt's error says why. */
  | { state: 'skipped'; reason: 'cancelled' };

export interface AttemptRecord {
  deliveryId: string;
  leaseOwner: string;
  attempt: Omit<Attempt, 'id'>;
  next: NextState;
  /** Disable the endpoint, with this reason (a `410 Gone`). */
  disableEndpoint?: string;
}

export interface MessageQuery {
  appId: string;
  source?: string;
  eventTypes?: string[];
  /** Only messages sent to this channel. */
  channel?: string;
  state?: MessageState;
  /** Only messages received before / after these times. */
  before?: number;
  after?: number;
  limit: number;
  iterator?: string;
}

export interface AttemptQuery {
  appId: string;
  messageId?: string;
  endpointId?: string;
  /** Only attempts that succeeded (`true`) or failed (`false`). */
  succeeded?: boolean;
  /** Only attempts of messages of these types / in this channel. */
  eventTypes?: string[];
  channel?: string;
  /** Only attempts started before / after these times. */
  before?: number;
  after?: number;
  /** Svix's `status_code_class`: only responses of this hundred (200 = 2xx); 0: no response at all. */
  statusClass?: number;
  limit: number;
  iterator?: string;
}

export interface DeliveryView extends Delivery {
  endpointUrl: string;
  endpointUid: string | null;
}

export interface ReleasedMessage {
  messageId: string;
  deliveries: number;
}

export interface PendingMigration {
  version: number;
  file: string;
  sql: string;
}

/** A message as one endpoint sees it: its delivery's state and next attempt. */
export interface EndpointMessage extends Message {
  deliveryState: DeliveryState;
  nextAttemptAt: number | null;
}

export interface Backlog {
  pending: number;
  scheduled: number;
  inFlight: number;
}

/**
 * Everything Sluice keeps, in the domain's own operations. Implementations
 * (SQLite, PostgreSQL) hold the SQL; nothing else does.
 */
export interface Store extends ManagementStore, ConsoleStore, SecurityStore, OperationsStore, TransformationStore, PortalStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Applies pending migrations. */
  migrate(): Promise<void>;
  /** Migrations not applied yet, each as the SQL script a DBA would run by hand (`sluice migrate --print`). */
  pendingMigrations(): Promise<PendingMigration[]>;
  /** Answers when the database does (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Creates or updates an application declared in the config, with its endpoints (matched by uid). */
  syncApplication(app: SyncedApplication, generateSecret: () => string): Promise<Application>;
  getApplication(idOrUid: string): Promise<Application | null>;
  listEndpoints(appId: string): Promise<Endpoint[]>;
  getEndpoint(appId: string, idOrUid: string): Promise<Endpoint | null>;

  /**
   * Stores a batch of messages and one delivery per matching enabled endpoint,
   * all in one transaction, durable when the promise resolves. Duplicates are
   * answered with the first message's id; a failing item does not sink the others.
   */
  ingest(batch: NewMessage[]): Promise<IngestOutcome[]>;

  listMessages(query: MessageQuery): Promise<Page<Message>>;
  getMessage(appId: string, messageId: string): Promise<Message | null>;
  /** The newest message of the application created with this `eventId` (Svix resolves `{msg_id}` either way). */
  getMessageByEventId(appId: string, eventId: string): Promise<Message | null>;
  listDeliveries(appId: string, messageId: string): Promise<DeliveryView[]>;
  /** The messages sent (or to be sent) to one endpoint, newest first, with that delivery's state. */
  listEndpointMessages(appId: string, endpointId: string, limit: number, iterator?: string): Promise<Page<EndpointMessage>>;
  listAttempts(query: AttemptQuery): Promise<Page<Attempt>>;
  getAttempt(appId: string, attemptId: string): Promise<Attempt | null>;
  /**
   * Queues a manual attempt of a message: to one endpoint, or to every enabled
   * endpoint that matches it. Returns how many deliveries were queued.
   */
  replay(appId: string, messageId: string, endpointId: string | null, now: number): Promise<number>;
  /**
   * Releases quarantined (`invalid`) messages that now pass validation: each
   * becomes `accepted` and fans out to its matching endpoints, in one
   * transaction. Messages that are not `invalid` (any more) are left alone.
   */
  releaseMessages(appId: string, messageIds: string[], now: number): Promise<ReleasedMessage[]>;

  /** Leases due deliveries, honouring each endpoint's concurrency. */
  leaseDue(options: LeaseOptions): Promise<LeasedDelivery[]>;
  /** Records attempts and moves each delivery on, if its `leaseOwner` still holds it; one transaction. */
  recordAttempts(records: AttemptRecord[]): Promise<void>;
  /** Gives leases back without an attempt (shutdown): due again at once. */
  releaseLeases(owner: string, deliveryIds: string[], now: number): Promise<void>;
  /** Takes back leases that expired (their holder died); returns how many. */
  reclaimExpiredLeases(now: number): Promise<number>;
  /** When the next pending or scheduled delivery is due, or `null`. */
  nextDueAt(): Promise<number | null>;
  /**
   * How many deliveries a lease pass at `now` must lease by the liveness invariant (due, endpoint
   * open and below its concurrency, FIFO head), up to each endpoint's free slots. A full scan:
   * for the worker's stall check, not for every pass.
   */
  countLeasable(now: number, defaultConcurrency: number): Promise<number>;
  backlog(): Promise<Backlog>;
  /** Forgets event ids past their dedupe window; returns how many. */
  purgeDedupe(now: number): Promise<number>;
  /**
   * Makes room for the messages of the coming periods: PostgreSQL creates the
   * time partitions of messages, deliveries and attempts ahead of `now` (and
   * moves anything its catch-all partition took in meanwhile); SQLite needs
   * nothing. Safe to call from many processes at once. Returns what it created.
   */
  prepareStorage(now: number, partitionIntervalMs: number): Promise<string[]>;
  /**
   * Removes messages received before `before`, with their deliveries and
   * attempts, never one with a delivery still to make (pending, scheduled or in
   * flight). PostgreSQL drops whole time partitions, so it removes only periods
   * that ended before `before`, and keeps a period that still holds such a
   * delivery; SQLite deletes rows in batches.
   */
  removeBefore(before: number): Promise<Removal>;
  /**
   * Calls `due` when another process may have made deliveries due (stored a
   * message, replayed one, gave back or reclaimed leases), so an idle worker
   * need not wait for its next poll; `onError` hears about a lost listening
   * connection (retried by itself). Returns a function that stops listening.
   */
  onDue(due: () => void, onError: (err: Error) => void): () => void;
}

/** What one `removeBefore` did. */
export interface Removal {
  /** Time partitions dropped (PostgreSQL), oldest first. */
  partitions: string[];
  /** Messages deleted row by row (SQLite). */
  messages: number;
  /** Partitions (PostgreSQL) or messages (SQLite) kept back because a delivery is still to make. */
  heldBack: number;
}

export type { DeliveryState };
