import { defaults } from '../config/defaults.ts';
import type { Config, SourceConfig } from '../config/types.ts';
import type { AttemptBus } from '../delivery/attempt-bus.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { InboundEvent, InboundRequest, ProviderInstance } from '../providers/types.ts';
import { GroupCommit } from '../store/group-commit.ts';
import { SourceTransforms } from '../transform/source-transforms.ts';
import { Transformer } from '../transform/transformer.ts';
import type { Transformation } from '../store/records.ts';
import type { IngestOutcome, NewMessage, Store } from '../store/store.ts';
import { EventTypeCatalog } from './event-types.ts';
import { readField, type FieldPath } from './field-path.ts';
import { forwardedHeaders } from './forward-headers.ts';
import { parseBody, parseSequence, parseTime } from './parse-body.ts';

/** A configured source, ready to take requests. */
export interface CompiledSource {
  config: SourceConfig;
  provider: ProviderInstance;
  appId: string;
}

/** What the HTTP layer sends back. */
export interface IngestReply {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  body: string;
}

function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): IngestReply {
  return { status, headers, contentType: 'application/json', body: JSON.stringify(body) };
}

/**
 * The hot path: verify → handshake → extract → dedupe + store (group commit)
 * → answer. Nothing is stored before verification passes, and the 2xx leaves
 * only after the commit that holds the message is durable.
 */
export class IngestPipeline {
  private readonly commits: GroupCommit<NewMessage, IngestOutcome>;
  private readonly eventTypes: EventTypeCatalog;
  /** Source transformations (the API's routes tell it when one changes). */
  readonly transforms: SourceTransforms;

  constructor(
    private readonly sources: ReadonlyMap<string, CompiledSource>,
    store: Store,
    private readonly config: Config,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly onStored: () => void,
    private readonly attempts?: AttemptBus,
  ) {
    this.commits = new GroupCommit((batch) => store.ingest(batch), config.ingest.groupCommitMaxBatch, defaults.ingestCommitsInFlight);
    this.eventTypes = new EventTypeCatalog(config.eventTypes, (name) => store.getEventType(name));
    this.transforms = new SourceTransforms(store, new Transformer(config.transformations));
  }

  source(name: string): CompiledSource | undefined {
    return this.sources.get(name);
  }

  /** Waits for every accepted request to be committed (shutdown). */
  drain(): Promise<void> {
    return this.commits.drain();
  }

  async handle(source: CompiledSource, req: InboundRequest): Promise<IngestReply> {
    const name = source.config.name;
    this.metrics.received.inc({ source: name });
    const contentType = first(req.headers['content-type']);
    const parsed = parseBody(req.rawBody, contentType);
    const body = parsed.ok ? parsed.value : undefined;

    const early = source.provider.unsignedHandshake?.(req, body);
    if (early) return { ...early, headers: {} };

    const verdict = source.provider.verify(req, Date.now());
    if (!verdict.ok) {
      this.metrics.rejected.inc({ source: name, reason: 'signature' });
      this.log.info({ source: name, decision: 'rejected', reason: verdict.reason }, 'ingest');
      return jsonReply(401, { error: 'signature_invalid', reason: verdict.reason });
    }
    this.metrics.verified.inc({ source: name });

    const handshake = source.provider.handshake?.(req, body);
    if (handshake) return { ...handshake, headers: {} };

    const extracted = source.provider.extract(req, body);
    const events = Array.isArray(extracted) ? extracted : [extracted];
    if (events.length === 0) return jsonReply(200, { ids: [] });
    let messages = events.map((event) => this.toMessage(source, req, event, parsed.ok ? undefined : parsed.error, body, contentType));
    let bodies = events.map((event) => (event.body !== undefined ? event.body : body));
    const transformation = await this.transforms.effective(source.config);
    if (transformation) {
      const kept = await this.transform(source, req, transformation, messages, bodies);
      if (kept.messages.length === 0) return jsonReply(200, { cancelled: true, reason: kept.reason });
      ({ messages, bodies } = kept);
    }
    await this.validate(source, messages, bodies);
    const outcomes = await Promise.all(messages.map((m) => this.commits.submit(m).catch((err: unknown): IngestOutcome => ({ error: err as Error }))));

    const ids: string[] = [];
    let duplicates = 0;
    let delivered = false;
    for (const [i, outcome] of outcomes.entries()) {
      const message = messages[i] as NewMessage;
      if ('error' in outcome) {
        this.log.error({ source: name, err: outcome.error }, 'ingest: store failed');
        // Items stored before the failure stay stored; the sender's retry is deduplicated.
        return jsonReply(503, { error: 'store_unavailable', reason: 'the message could not be stored; retry later' }, { 'retry-after': '5' });
      }
      ids.push(outcome.messageId);
      const base = { source: name, msgId: outcome.messageId, eventId: message.eventId };
      if (outcome.duplicate) {
        duplicates++;
        this.metrics.duplicates.inc({ source: name });
        this.log.info({ ...base, decision: 'duplicate' }, 'ingest');
        continue;
      }
      this.metrics.stored.inc({ source: name, state: message.state });
      this.log.info({ ...base, decision: message.state, eventType: message.eventType, deliveries: outcome.deliveries, reason: message.error ?? undefined }, 'ingest');
      if (outcome.deliveries > 0) delivered = true;
    }
    if (delivered) this.onStored();
    const allDuplicates = duplicates === outcomes.length;
    const respond = source.config.respond;
    if (respond && ids.length === 1) {
      // An interactive sender (a Slack command) shows the handler's answer: the message is stored
      // already, so waiting costs nothing but the sender's patience, which the timeout bounds.
      const head = messages[0] as NewMessage;
      const result = !allDuplicates && head.state === 'accepted' && delivered && this.attempts
        ? await this.attempts.waitFor(ids[0] as string, respond.endpoint, respond.timeoutMs)
        : undefined;
      if (result?.succeeded) {
        return { status: result.status as number, headers: { 'sluice-message-id': ids[0] as string }, contentType: result.contentType ?? 'text/plain', body: result.body ?? '' };
      }
      return { status: respond.fallback.status, headers: { 'sluice-message-id': ids[0] as string }, contentType: respond.fallback.contentType, body: respond.fallback.body };
    }
    const headers: Record<string, string> = allDuplicates ? { 'sluice-duplicate': 'true' } : {};
    const head = messages[0] as NewMessage;
    const reply: Record<string, unknown> = { id: ids[0] };
    if (ids.length > 1) reply.ids = ids;
    if (allDuplicates) reply.duplicate = true;
    else if (head.state !== 'accepted' && ids.length === 1) reply.state = head.state;
    return jsonReply(200, reply, headers);
  }

  /** The source's transformation on each message, before the schema check and fan-out; cancelled ones are dropped. */
  private async transform(source: CompiledSource, req: InboundRequest, t: Transformation, messages: NewMessage[], bodies: unknown[]):
    Promise<{ messages: NewMessage[]; bodies: unknown[]; reason: string }> {
    const kept: { messages: NewMessage[]; bodies: unknown[]; reason: string } = { messages: [], bodies: [], reason: '' };
    for (const [i, m] of messages.entries()) {
      const outcome = await this.transforms.apply(t, m, req.url, bodies[i]);
      if (outcome.kind === 'cancel') {
        kept.reason = outcome.reason;
        this.log.info({ source: source.config.name, eventId: m.eventId, decision: 'cancelled', reason: outcome.reason }, 'ingest');
        continue;
      }
      if (m.state === 'invalid') this.log.warn({ source: source.config.name, eventId: m.eventId, reason: m.error }, 'ingest: transformation failed; storing invalid');
      kept.messages.push(m);
      kept.bodies.push(outcome.body);
    }
    return kept;
  }

  private toMessage(
    source: CompiledSource,
    req: InboundRequest,
    event: InboundEvent,
    parseError: string | undefined,
    wholeBody: unknown,
    contentType: string | undefined,
  ): NewMessage {
    const body = event.body !== undefined ? event.body : wholeBody;
    const ex = source.config.extract;
    const field = (path: FieldPath | undefined, fallback: string | undefined): string | null =>
      (path ? readField(path, body, req.headers) : fallback) ?? null;
    const eventId = field(ex.idempotencyKey, event.eventId);
    const occurredAt = ex.occurredAt ? parseTime(readField(ex.occurredAt, body, req.headers)) : event.occurredAt;
    const sequence = ex.sequence ? parseSequence(readField(ex.sequence, body, req.headers)) : occurredAt;
    return {
      appId: source.appId,
      source: source.config.name,
      eventType: field(ex.eventType, event.eventType),
      eventId,
      orderingKey: field(ex.orderingKey, event.orderingKey),
      sequence: sequence ?? null,
      payload: event.payload ?? req.rawBody,
      contentType: contentType ?? null,
      headers: forwardedHeaders(req.headers),
      channels: null,
      state: parseError === undefined ? 'accepted' : 'invalid',
      error: parseError ?? null,
      dedupeScope: `source:${source.config.name}`,
      dedupeUntil: eventId === null ? null : Date.now() + this.config.ingest.dedupeWindowMs,
      ...(source.config.reorderWindowMs ? { reorderWindowMs: source.config.reorderWindowMs } : {}),
    };
  }

  /**
   * A verified message that fails its event type's schema (or has an unknown
   * type in a strict application) is stored `invalid` with every error: the
   * provider gets its 200 and stops retrying; the quarantine holds it until a
   * "revalidate and release". If the schema cannot be looked up, the message is
   * stored as accepted rather than refused: losing it would be worse.
   */
  private async validate(source: CompiledSource, messages: NewMessage[], bodies: unknown[]): Promise<void> {
    const strict = this.config.applications[source.config.application]?.strictEventTypes === true;
    for (const [i, m] of messages.entries()) {
      if (m.state !== 'accepted') continue;
      try {
        const verdict = await this.eventTypes.check(m.eventType, bodies[i], strict);
        if (verdict.ok) continue;
        m.state = 'invalid';
        m.error = verdict.reason === 'schema' ? `the payload does not match the schema of ${m.eventType ?? 'its event type'}` : (verdict.issues[0]?.message ?? 'unknown event type');
        m.validationErrors = verdict.issues;
      } catch (err) {
        this.log.error({ source: source.config.name, eventType: m.eventType, err }, 'ingest: schema check failed; storing unchecked');
      }
    }
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
