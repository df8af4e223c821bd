import { defaults } from '../config/defaults.ts';
import type { Config, SourceConfig } from '../config/types.ts';
import type { Span } from '@opentelemetry/api';
import type { AttemptBus } from '../delivery/attempt-bus.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Tracing } from '../observability/tracing.ts';
import type { InboundEvent, InboundRequest, ProviderInstance } from '../providers/types.ts';
import { GroupCommit } from '../store/group-commit.ts';
import { SourceTransforms } from '../transform/source-transforms.ts';
import { Transformer } from '../transform/transformer.ts';
import type { Transformation } from '../store/records.ts';
import type { IngestOutcome, NewMessage, Store } from '../store/store.ts';
import type { LiveBus } from '../live/bus.ts';
import { announceIngest } from '../live/announce.ts';
import { EventTypeCatalog } from './event-types.ts';
import type { RejectionLog } from './rejection-log.ts';
import { readField, type FieldPath } from './field-path.ts';
import { forwardRule } from '../providers/forwarded.ts';
import { forwardedHeaders } from './forward-headers.ts';
import { parseBody, parseSequence, parseTime, parseUnverified } from './parse-body.ts';
import { ingestAnswer, type IngestErrorCode } from '../error-catalogue.ts';

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

/** What became of a consumed message (a broker source's). */
export type ConsumedOutcome =
  | { kind: 'stored'; ids: string[]; duplicates: number }
  | { kind: 'cancelled'; reason: string }
  | { kind: 'rejected'; reason: string }
  | { kind: 'unavailable'; error: Error };

function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): IngestReply {
  return { status, headers, contentType: 'application/json', body: JSON.stringify(body) };
}

function errorReply(code: IngestErrorCode, reason: string, headers: Record<string, string> = {}): IngestReply {
  const answer = ingestAnswer(code, reason);
  return jsonReply(answer.status, answer.body, headers);
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
    /** Where decisions are announced (live stream, flow counters) and rejections logged; optional for embedders. */
    private readonly watch: { live?: LiveBus; rejections?: RejectionLog; attempts?: AttemptBus } = {},
    /** Spans for each ingest; absent when tracing is off, and then nothing here touches it. */
    private readonly tracing?: Tracing,
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
    if (!this.tracing) return this.receive(source, req, undefined);
    const span = this.tracing.startIngest(source.config.name, req.headers);
    try {
      const reply = await this.receive(source, req, span);
      span.setAttribute('http.response.status_code', reply.status);
      this.tracing?.end(span, reply.status >= 500 ? `answered ${reply.status}` : undefined);
      return reply;
    } catch (err) {
      this.tracing?.end(span, (err as Error).message);
      throw err;
    }
  }

  private async receive(source: CompiledSource, req: InboundRequest, span: Span | undefined): Promise<IngestReply> {
    const name = source.config.name;
    this.metrics.received.inc({ source: name });
    const contentType = first(req.headers['content-type']);

    const early = source.provider.unsignedHandshake?.(req, parseUnverified(req.rawBody, contentType));
    if (early) return { ...early, headers: {} };

    const verifySpan = span && this.tracing?.child(span, 'sluice.ingest.verify');
    const verdict = source.provider.verify(req, Date.now());
    if (verifySpan) this.tracing?.end(verifySpan, verdict.ok ? undefined : verdict.reason);
    if (!verdict.ok) {
      this.metrics.rejected.inc({ source: name, reason: 'signature' });
      this.log.info({ source: name, decision: 'rejected', reason: verdict.reason }, 'ingest');
      this.keepRejection(source, req, verdict.reason);
      return errorReply('signature_invalid', verdict.reason);
    }
    this.metrics.verified.inc({ source: name });
    // Parsed only now: an unsigned body, however hostile, costs no parse before its 401.
    const parsed = parseBody(req.rawBody, contentType, this.config.ingest.maxNestingDepth);
    const body = parsed.ok ? parsed.value : undefined;

    const handshake = source.provider.handshake?.(req, body);
    if (handshake) return { ...handshake, headers: {} };

    const stored = await this.store(source, req, parsed.ok ? undefined : parsed.error, body, contentType, {}, span);
    if ('error' in stored) {
      // Items stored before the failure stay stored; the sender's retry is deduplicated.
      return errorReply('store_unavailable', 'the message could not be stored; retry later', { 'retry-after': '5' });
    }
    if (stored.cancelled !== undefined) return jsonReply(200, { cancelled: true, reason: stored.cancelled });
    const { ids, duplicates, messages, delivered } = stored;
    if (ids.length === 0) return jsonReply(200, { ids: [] });
    const allDuplicates = duplicates === ids.length;
    const head = messages[0] as NewMessage;
    const respond = source.config.respond;
    if (respond && ids.length === 1) {
      // An interactive sender (a Slack command) shows the handler's answer: the message is stored
      // already, so waiting costs nothing but the sender's patience, which the timeout bounds.
      const result =
        !allDuplicates && head.state === 'accepted' && delivered && this.watch.attempts
          ? await this.watch.attempts.waitFor(ids[0] as string, respond.endpoint, respond.timeoutMs)
          : undefined;
      if (result?.succeeded) {
        return {
          status: result.status as number,
          headers: { 'sluice-message-id': ids[0] as string },
          contentType: result.contentType ?? 'text/plain',
          body: result.body ?? '',
        };
      }
      return {
        status: respond.fallback.status,
        headers: { 'sluice-message-id': ids[0] as string },
        contentType: respond.fallback.contentType,
        body: respond.fallback.body,
      };
    }
    const headers: Record<string, string> = allDuplicates ? { 'sluice-duplicate': 'true' } : {};
    const reply: Record<string, unknown> = { id: ids[0] };
    if (ids.length > 1) reply.ids = ids;
    if (allDuplicates) reply.duplicate = true;
    else if (head.state !== 'accepted' && ids.length === 1) reply.state = head.state;
    return jsonReply(200, reply, headers);
  }

  /**
   * An event fetched from the provider's own API by reconciliation. It came
   * over an authenticated call, so there is no signature to check; the rest is
   * the webhook's path (extract, dedupe, schema, fan-out, ordering). It carries
   * a `sluice-reconciled` header, stored and forwarded to endpoints.
   */
  async ingestReconciled(
    source: CompiledSource,
    rawBody: Buffer,
    headers: Record<string, string>,
  ): Promise<{ ids: string[]; duplicates: number } | { error: Error }> {
    const req: InboundRequest = { rawBody, headers, method: 'POST', url: `/in/${source.config.name}` };
    const parsed = parseBody(rawBody, headers['content-type'], this.config.ingest.maxNestingDepth);
    return this.store(source, req, parsed.ok ? undefined : parsed.error, parsed.ok ? parsed.value : undefined, headers['content-type'], {
      'sluice-reconciled': 'true',
    });
  }

  /**
   * A message a broker source consumed. The consumer is the broker's
   * authenticated client, so there is no signature to check; the rest is the
   * webhook's path (extract, dedupe, schema, fan-out, ordering). `stored` and
   * `cancelled` are durable decisions the broker may forget (acknowledge);
   * `unavailable` is the store failing, and the message must stay in the broker.
   */
  async ingestConsumed(source: CompiledSource, req: InboundRequest): Promise<ConsumedOutcome> {
    const name = source.config.name;
    this.metrics.received.inc({ source: name });
    if (req.rawBody.length > source.config.maxBodySize) {
      const reason = `the message is ${req.rawBody.length} bytes, over the source's maxBodySize of ${source.config.maxBodySize}`;
      this.rejectConsumed(source, req, reason, 'too_large');
      return { kind: 'rejected', reason };
    }
    this.metrics.verified.inc({ source: name });
    const contentType = first(req.headers['content-type']);
    const parsed = parseBody(req.rawBody, contentType, this.config.ingest.maxNestingDepth);
    const stored = await this.store(
      source,
      req,
      parsed.ok ? undefined : parsed.error,
      parsed.ok ? parsed.value : undefined,
      contentType,
      {},
    );
    if ('error' in stored) return { kind: 'unavailable', error: stored.error };
    if (stored.cancelled !== undefined) return { kind: 'cancelled', reason: stored.cancelled };
    return { kind: 'stored', ids: stored.ids, duplicates: stored.duplicates };
  }

  /** A consumed message that cannot be ingested (a poison message): counted, logged, and kept in the console's rejected requests. */
  rejectConsumed(source: CompiledSource, req: InboundRequest, reason: string, metric = 'poison'): void {
    const name = source.config.name;
    this.metrics.rejected.inc({ source: name, reason: metric });
    this.log.warn(
      { source: name, decision: 'rejected', reason },
      'ingest: consumed message rejected; acknowledged to the broker so it is not redelivered',
    );
    this.keepRejection(source, req, reason);
  }

  /** A rejection kept for the console (rejected requests, off the hot path) and told to the live stream. */
  private keepRejection(source: CompiledSource, req: InboundRequest, reason: string): void {
    const name = source.config.name;
    this.watch.rejections?.record(name, req, reason, Date.now());
    announceIngest(this.watch.live, {
      source: name,
      app: source.appId,
      msgId: null,
      eventType: null,
      eventId: null,
      decision: 'rejected',
      reason,
    });
  }

  /** Extract → schema check → group commit, with the metrics, the log line and the live event of each message. */
  private async store(
    source: CompiledSource,
    req: InboundRequest,
    parseError: string | undefined,
    body: unknown,
    contentType: string | undefined,
    mark: Record<string, string>,
    span?: Span,
  ): Promise<{ ids: string[]; duplicates: number; messages: NewMessage[]; delivered: boolean; cancelled?: string } | { error: Error }> {
    const name = source.config.name;
    const extracted = source.provider.extract(req, body);
    const events = Array.isArray(extracted) ? extracted : [extracted];
    if (events.length === 0) return { ids: [], duplicates: 0, messages: [], delivered: false };
    let messages = events.map((event) => this.toMessage(source, req, event, parseError, body, contentType));
    let bodies = events.map((event) => (event.body !== undefined ? event.body : body));
    let transformation: Transformation | null;
    try {
      transformation = await this.transforms.effective(source.config);
    } catch (err) {
      // The API's transformation lives in the store: a store that does not answer is the 503 the commit would give.
      this.log.error({ source: name, err }, 'ingest: could not read the source transformation');
      return { error: err as Error };
    }
    if (transformation) {
      const kept = await this.transform(source, req, transformation, messages, bodies);
      if (kept.messages.length === 0) return { ids: [], duplicates: 0, messages: [], delivered: false, cancelled: kept.reason };
      ({ messages, bodies } = kept);
    }
    // The ingest span's context is stored with each message (as the traceparent its deliveries carry on), so every attempt joins this trace.
    const traceparent = span && this.tracing?.traceparent(span);
    for (const m of messages) Object.assign(m.headers, mark, traceparent ? { traceparent } : {});
    await this.validate(source, messages, bodies);
    const commitSpan = span && this.tracing?.child(span, 'sluice.ingest.commit');
    const outcomes = await Promise.all(
      messages.map((m) => this.commits.submit(m).catch((err: unknown): IngestOutcome => ({ error: err as Error }))),
    );
    if (commitSpan) {
      // Dedupe is decided inside the commit's transaction, so it is told here rather than as a span of its own.
      const dups = outcomes.filter((o) => 'duplicate' in o && o.duplicate).length;
      commitSpan.setAttributes({ 'sluice.messages': messages.length, 'sluice.dedupe.duplicates': dups });
      const failed = outcomes.find((o): o is { error: Error } => 'error' in o);
      this.tracing?.end(commitSpan, failed?.error.message);
      span?.setAttribute('sluice.message_ids', outcomes.flatMap((o) => ('messageId' in o ? [o.messageId] : [])).join(','));
    }

    const ids: string[] = [];
    let duplicates = 0;
    let delivered = false;
    for (const [i, outcome] of outcomes.entries()) {
      const message = messages[i] as NewMessage;
      if ('error' in outcome) {
        this.log.error({ source: name, err: outcome.error }, 'ingest: store failed');
        if (delivered) this.onStored();
        return { error: outcome.error };
      }
      ids.push(outcome.messageId);
      const base = {
        source: name,
        msgId: outcome.messageId,
        eventId: message.eventId,
        ...(mark['sluice-reconciled'] ? { reconciled: true } : {}),
      };
      if (outcome.duplicate) {
        duplicates++;
        this.metrics.duplicates.inc({ source: name });
        this.log.info({ ...base, decision: 'duplicate' }, 'ingest');
        announceIngest(this.watch.live, {
          source: name,
          app: source.appId,
          msgId: outcome.messageId,
          eventType: message.eventType,
          eventId: message.eventId,
          decision: 'duplicate',
        });
        continue;
      }
      this.metrics.stored.inc({ source: name, state: message.state });
      announceIngest(this.watch.live, {
        source: name,
        app: source.appId,
        msgId: outcome.messageId,
        eventType: message.eventType,
        eventId: message.eventId,
        decision: message.state === 'invalid' ? 'invalid' : 'accepted',
        ...(message.error ? { reason: message.error } : {}),
      });
      this.log.info(
        {
          ...base,
          decision: message.state,
          eventType: message.eventType,
          deliveries: outcome.deliveries,
          reason: message.error ?? undefined,
        },
        'ingest',
      );
      if (outcome.deliveries > 0) delivered = true;
    }
    if (delivered) this.onStored();
    return { ids, duplicates, messages, delivered };
  }

  /** The source's transformation on each message, before the schema check and fan-out; cancelled ones are dropped. */
  private async transform(
    source: CompiledSource,
    req: InboundRequest,
    t: Transformation,
    messages: NewMessage[],
    bodies: unknown[],
  ): Promise<{ messages: NewMessage[]; bodies: unknown[]; reason: string }> {
    const kept: { messages: NewMessage[]; bodies: unknown[]; reason: string } = { messages: [], bodies: [], reason: '' };
    for (const [i, m] of messages.entries()) {
      const outcome = await this.transforms.apply(t, m, req.url, bodies[i]);
      if (outcome.kind === 'cancel') {
        kept.reason = outcome.reason;
        this.log.info({ source: source.config.name, eventId: m.eventId, decision: 'cancelled', reason: outcome.reason }, 'ingest');
        continue;
      }
      if (m.state === 'invalid')
        this.log.warn(
          { source: source.config.name, eventId: m.eventId, reason: m.error },
          'ingest: transformation failed; storing invalid',
        );
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
      headers: forwardedHeaders(req.headers, forwardRule(source.config)),
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
        m.error =
          verdict.reason === 'schema'
            ? `the payload does not match the schema of ${m.eventType ?? 'its event type'}`
            : (verdict.issues[0]?.message ?? 'unknown event type');
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
