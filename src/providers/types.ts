import type { Section } from '../config/section.ts';
import type { SourceConfig } from '../config/types.ts';

/** An inbound webhook request as the verifier sees it: the raw bytes, never a re-serialised body. */
export interface InboundRequest {
  rawBody: Buffer;
  /** Lower-case names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  method: string;
  /** The URL as the provider called it (scheme, host, path and query), for URL-signing providers. */
  url: string;
  /** The peer's address, for the rejected-requests log. */
  remoteAddress?: string;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** A reply sent instead of storing the request (a provider's URL check, a ping). */
export interface HandshakeReply {
  status: number;
  contentType: string;
  body: string;
}

/** What a provider knows about one event by default; config paths override each field. */
export interface InboundEvent {
  eventId?: string | undefined;
  eventType?: string | undefined;
  /** Milliseconds since the epoch. */
  occurredAt?: number | undefined;
  orderingKey?: string | undefined;
  /**
   * For batch bodies (one request carrying several events, e.g. HubSpot and
   * SendGrid arrays): the item's own bytes, stored as its message's payload,
   * and the item parsed, which config paths (`body:$.…`) then read. Absent for
   * a single event: the whole raw body and its parse are used.
   */
  payload?: Buffer | undefined;
  body?: unknown;
}

/** One configured source's provider logic. */
export interface ProviderInstance {
  /** Requests answered before verification, because the provider does not sign them. */
  unsignedHandshake?(req: InboundRequest, body: unknown): HandshakeReply | undefined;
  verify(req: InboundRequest, nowMs: number): Verdict;
  /** Handshakes that arrive signed (answered after verification passed). */
  handshake?(req: InboundRequest, body: unknown): HandshakeReply | undefined;
  /**
   * The provider's default event fields. `body` is the parsed payload, or
   * `undefined`. An array means a batch: one message per item, all stored in
   * the same transaction.
   */
  extract(req: InboundRequest, body: unknown): InboundEvent | InboundEvent[];
}

/**
 * A provider: its config keys and how to build a verifier for one source.
 * `parseOptions` validates the provider's own keys through `section`, recording
 * problems there; `create` is only called with what it returned.
 */
export interface ProviderDefinition<Options = unknown> {
  name: string;
  /** Keys this provider adds to a source beyond the common ones. */
  keys: readonly string[];
  /** Whether `secret`/`secrets` is required. */
  needsSecret: boolean;
  /** The signature tolerance when a source sets no `tolerance` (the provider's own recommendation). */
  defaultToleranceMs?: number;
  /** Whether the signature covers the URL the provider called (needs `publicUrl` or the right Host). */
  signsUrl?: boolean;
  parseOptions(section: Section): Options | undefined;
  create(source: SourceConfig, options: Options): ProviderInstance;
}

export function header(req: InboundRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
