import type { CompiledSource, IngestPipeline } from '../ingest/pipeline.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { InboundRequest } from '../providers/types.ts';
import type { BrokerSourceOptions } from './provider.ts';

/** One message as a broker handed it over, before it is ingested. */
export interface ConsumedMessage {
  body: Buffer;
  /** Lower-case names; the broker's id and type under `sluice-broker-*`. */
  headers: Record<string, string>;
  /** Where it came from, shown in logs and rejections (`rabbitmq://main/orders`; never credentials). */
  url: string;
}

/** What the broker is told: forget the message, or keep it for a later delivery. */
export type Settlement = 'ack' | 'retry';

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/** Doubling delays from half a second to half a minute, reset by a success. */
export class Backoff {
  private failures = 0;
  next(): number {
    const ms = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(this.failures, 10));
    this.failures++;
    return ms;
  }
  reset(): void {
    this.failures = 0;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The part every broker shares: a session per connection (connect, consume,
 * resolve when the connection is lost), run again after each loss with a
 * growing pause; each message ingested and settled. A broker type supplies
 * only `session`.
 */
export abstract class BrokerConsumer {
  protected readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly reconnects = new Backoff();
  /** Paces redeliveries while the store fails, so a queue is not spun through at full speed. */
  protected readonly storeBackoff = new Backoff();
  private running: Promise<void> | undefined;

  constructor(
    protected readonly source: CompiledSource,
    protected readonly options: BrokerSourceOptions,
    protected readonly url: string,
    private readonly pipeline: IngestPipeline,
    protected readonly log: Logger,
    private readonly metrics?: Metrics,
  ) {}

  /** A session calls it once it consumes; the loop clears it when the session ends. */
  protected consuming(): void {
    this.metrics?.consumerConnected.set({ source: this.name }, 1);
    this.log.info({ source: this.name, from: this.where }, 'source: consuming');
  }

  get name(): string {
    return this.source.config.name;
  }

  /** Where this consumer reads, for logs: never the broker URL, which holds credentials. */
  get where(): string {
    return `${this.options.type}://${this.options.connection}/${this.options.from}`;
  }

  /**
   * Connects and consumes until the connection is lost (rejects with why) or
   * `stopping` aborts (then it stops taking messages, waits for `drained()`,
   * closes and resolves).
   */
  protected abstract session(): Promise<void>;

  start(): void {
    this.running ??= this.loop();
  }

  private async loop(): Promise<void> {
    this.metrics?.consumerConnected.set({ source: this.name }, 0);
    while (!this.stopping.signal.aborted) {
      try {
        await this.session();
        this.reconnects.reset();
      } catch (err) {
        this.metrics?.consumerConnected.set({ source: this.name }, 0);
        if (this.stopping.signal.aborted) break;
        this.metrics?.consumerReconnects.inc({ source: this.name });
        const ms = this.reconnects.next();
        this.log.error(
          { source: this.name, from: this.where, err: (err as Error).message, retryInMs: ms },
          'source: broker consumer lost its connection; reconnecting',
        );
        await pause(ms, this.stopping.signal);
      }
    }
  }

  /** Stops taking messages; the ones in hand are committed and acknowledged (or left to the broker) first. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    await this.drained();
    this.metrics?.consumerConnected.set({ source: this.name }, 0);
  }

  /** Every message in hand settled. */
  protected async drained(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Ingests one message and settles it with `settle`; errors of `settle` (a channel closed meanwhile) only log. */
  protected take(message: ConsumedMessage, settle: (s: Settlement) => Promise<void> | void): void {
    const work = (async () => {
      const outcome = await this.ingest(message);
      try {
        await settle(outcome);
      } catch (err) {
        // The broker delivers it again; dedupe keeps it single when it was stored.
        this.log.warn(
          { source: this.name, from: this.where, err: (err as Error).message },
          'source: could not settle a message with the broker; it will be redelivered',
        );
      }
    })();
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /**
   * `ack` once the message is durably stored (or deduplicated, cancelled,
   * rejected); `retry` while the store fails (after a pause, so the
   * redelivery is not immediate). A message whose ingest throws every time is
   * a poison message: after `maxAttempts` it is rejected and acknowledged.
   */
  private async ingest(message: ConsumedMessage): Promise<Settlement> {
    const req: InboundRequest = { rawBody: message.body, headers: message.headers, method: 'CONSUME', url: message.url };
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      try {
        const outcome = await this.pipeline.ingestConsumed(this.source, req);
        if (outcome.kind !== 'unavailable') {
          this.storeBackoff.reset();
          return 'ack';
        }
        const ms = this.storeBackoff.next();
        this.log.error(
          { source: this.name, from: this.where, err: outcome.error.message, retryInMs: ms },
          'source: the store failed; the message stays in the broker',
        );
        await pause(ms, this.stopping.signal);
        return 'retry';
      } catch (err) {
        lastError = err as Error;
        this.log.warn(
          { source: this.name, from: this.where, attempt, err: lastError.message },
          'source: ingesting a consumed message failed',
        );
        await pause(50 * attempt, this.stopping.signal);
      }
    }
    this.pipeline.rejectConsumed(
      this.source,
      req,
      `ingest failed ${this.options.maxAttempts} times: ${lastError?.message ?? 'unknown error'}`,
    );
    return 'ack';
  }
}

/** Broker header values as text (AMQP sends numbers, buffers and nested tables). */
export function headerText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}
