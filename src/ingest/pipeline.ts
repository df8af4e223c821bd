import type { Config, SourceConfig } from '../config/types.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { InboundRequest, ProviderInstance } from '../providers/types.ts';
import { GroupCommit } from '../store/group-commit.ts';
import type { IngestOutcome, NewMessage, Store } from '../store/store.ts';
import { readField } from './field-path.ts';
import { forwardedHeaders } from './forward-headers.ts';
import { parseBody, parseTime } from './parse-body.ts';

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

  constructor(
    private readonly sources: ReadonlyMap<string, CompiledSource>,
    store: Store,
    private readonly config: Config,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly onStored: () => void,
  ) {
    this.commits = new GroupCommit((batch) => store.ingest(batch), config.ingest.groupCommitMaxBatch);
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

    const event = source.provider.extract(req, body);
    const ex = source.config.extract;
    const eventId = (ex.idempotencyKey ? readField(ex.idempotencyKey, body, req.headers) : event.eventId) ?? null;
    const eventType = (ex.eventType ? readField(ex.eventType, body, req.headers) : event.eventType) ?? null;
    const occurredAt = ex.occurredAt ? parseTime(readField(ex.occurredAt, body, req.headers)) : event.occurredAt;
    const orderingKey = (ex.orderingKey ? readField(ex.orderingKey, body, req.headers) : event.orderingKey) ?? null;
    const now = Date.now();
    const message: NewMessage = {
      appId: source.appId,
      source: name,
      eventType,
      eventId,
      orderingKey,
      sequence: occurredAt ?? null,
      payload: req.rawBody,
      contentType: contentType ?? null,
      headers: forwardedHeaders(req.headers),
      channels: null,
      state: parsed.ok ? 'accepted' : 'invalid',
      error: parsed.ok ? null : parsed.error,
      dedupeScope: `source:${name}`,
      dedupeUntil: eventId === null ? null : now + this.config.ingest.dedupeWindowMs,
    };

    let outcome: IngestOutcome;
    try {
      outcome = await this.commits.submit(message);
    } catch (err) {
      outcome = { error: err as Error };
    }
    if ('error' in outcome) {
      this.log.error({ source: name, err: outcome.error }, 'ingest: store failed');
      return jsonReply(503, { error: 'store_unavailable', reason: 'the message could not be stored; retry later' }, { 'retry-after': '5' });
    }
    if (outcome.duplicate) {
      this.metrics.duplicates.inc({ source: name });
      this.log.info({ source: name, decision: 'duplicate', msgId: outcome.messageId, eventId }, 'ingest');
      return jsonReply(200, { id: outcome.messageId, duplicate: true }, { 'sluice-duplicate': 'true' });
    }
    this.metrics.stored.inc({ source: name, state: message.state });
    this.log.info(
      { source: name, decision: message.state, msgId: outcome.messageId, eventId, eventType, deliveries: outcome.deliveries, reason: message.error ?? undefined },
      'ingest',
    );
    if (outcome.deliveries > 0) this.onStored();
    return jsonReply(200, message.state === 'accepted' ? { id: outcome.messageId } : { id: outcome.messageId, state: message.state });
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
