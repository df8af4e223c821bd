import type { EndpointHealth } from './health.ts';
import type { DeliveryState, Message, MessageState, Page, Role } from './records.ts';

/** What one process counted in one minute (or what a window sums to). */
export interface FlowCounts {
  /** Requests that reached a decision: verified ones, rejected ones. */
  received: number;
  /** Passed verification (stored, or dropped as a duplicate). */
  verified: number;
  rejected: number;
  duplicates: number;
  /** Attempts that succeeded. */
  delivered: number;
  /** Attempts that failed (to be retried, or dead). */
  failed: number;
  /** Ingest → delivered, summed over `delivered`. */
  latencySumMs: number;
}

export interface FlowMinute extends FlowCounts {
  /** Start of the minute (or of the bucket), ms since the epoch. */
  minute: number;
}

/** One process's counts of one minute and one source (`''`: messages created through the API). */
export interface FlowRow extends FlowMinute {
  source: string;
}

/** A source's counts over a window, and the minute it last received a verified request. */
export interface SourceFlow extends FlowCounts {
  source: string;
  lastReceivedAt: number | null;
}

/** A console session: the SHA-256 of its cookie value, and who signed in with which token. */
export interface ConsoleSession {
  idHash: string;
  name: string;
  role: Role;
  applications: string[] | null;
  createdAt: number;
  expiresAt: number;
}

/** A request refused at verification, kept so an operator can see why. */
export interface RejectedRequest {
  id: string;
  source: string;
  receivedAt: number;
  remoteAddress: string | null;
  /** The verifier's reason, as it said it. */
  reason: string;
  /** Header names with their values; secret-bearing values replaced by `[redacted]`. */
  headers: Record<string, string>;
  bodySize: number;
  bodySha256: string;
  /** The first 1 KiB of the body. */
  bodyHead: Buffer;
}

/** The console's message list: every filter optional, across applications. */
export interface MessageSearch {
  appId?: string;
  source?: string;
  eventTypes?: string[];
  state?: MessageState;
  /** Messages with at least one delivery in this state (to `endpointId`, when given). */
  deliveryState?: DeliveryState;
  endpointId?: string;
  /** Received before / at or after these times. */
  before?: number;
  after?: number;
  eventId?: string;
  /** Bytes the payload contains (case-sensitive). */
  text?: Buffer;
  limit: number;
  iterator?: string;
}

/** A page of a search; with `text`, a page may be short while older messages remain (`done: false`). */
export interface SearchPage extends Page<Message> {
  /** Messages looked at for a payload search (bounded per page, so one request never scans everything). */
  scanned?: number;
}

/** One recent attempt, as an endpoint's health summary needs it. */
export interface RecentAttempt {
  startedAt: number;
  durationMs: number;
  status: number | null;
  succeeded: boolean;
  error: string | null;
}

/** How many messages one payload-search request reads at most before it answers. */
export const SEARCH_WINDOW = 5_000;

/** The console's operations: flow counters, sessions, rejected requests, message search. */
export interface ConsoleStore {
  /** Adds one process's counts to its per-minute rows. */
  addFlowCounts(owner: string, rows: FlowRow[]): Promise<void>;
  /** Every process's counts since `since`, summed. */
  flowTotals(since: number): Promise<FlowCounts>;
  /** Every process's counts since `since`, summed per bucket of `bucketMs` (a whole number of minutes), oldest first. */
  flowSeries(since: number, bucketMs: number): Promise<FlowMinute[]>;
  /** Forgets counter rows older than `before`; returns how many. */
  purgeFlowCounts(before: number): Promise<number>;

  createConsoleSession(session: ConsoleSession): Promise<void>;
  /** The session, while it has not expired. */
  getConsoleSession(idHash: string, now: number): Promise<ConsoleSession | null>;
  deleteConsoleSession(idHash: string): Promise<void>;
  purgeConsoleSessions(now: number): Promise<number>;

  /** Stores rejected requests and keeps at most `keepPerSource` per source (the newest). */
  recordRejections(rows: RejectedRequest[], keepPerSource: number): Promise<void>;
  listRejections(query: { source?: string; limit: number; iterator?: string }): Promise<Page<RejectedRequest>>;
  /** Rejections per source since `since`, with the last one's time. */
  rejectionCounts(since: number): Promise<Array<{ source: string; count: number; lastAt: number }>>;

  searchMessages(query: MessageSearch): Promise<SearchPage>;
  /** A message by its id alone, whatever its application. */
  findMessage(messageId: string): Promise<Message | null>;
  /** Every process's counts since `since`, summed per source. */
  flowBySource(since: number): Promise<SourceFlow[]>;
  /** An endpoint's breaker and throttle state (`null`: never failed nor throttled) and its latest `sample` attempts, newest first. */
  endpointHealth(endpointId: string, sample: number): Promise<{ health: EndpointHealth | null; recent: RecentAttempt[] }>;

  /**
   * Tells every other process sharing the database (PostgreSQL NOTIFY; at most
   * 8,000 bytes) about live-stream events; SQLite has no other process.
   */
  shareLive(payload: string): Promise<void>;
  /** Hears what other processes shared; returns a function that stops listening. */
  onLive(heard: (payload: string) => void, onError: (err: Error) => void): () => void;
}
