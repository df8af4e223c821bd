import type { BrokerConfig } from '../config/types.ts';
import type { CompiledSource, IngestPipeline } from '../ingest/pipeline.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { BrokerConsumer } from './consumer.ts';
import { NatsConsumer } from './nats.ts';
import { isBrokerSource, type BrokerSourceOptions } from './provider.ts';
import { RabbitmqConsumer } from './rabbitmq.ts';
import { RedisConsumer } from './redis.ts';

/** The consumers of a process's broker sources; started where the ingest role runs. */
export class BrokerSources {
  private readonly consumers: BrokerConsumer[];

  constructor(
    sources: readonly CompiledSource[],
    brokers: Record<string, BrokerConfig>,
    pipeline: IngestPipeline,
    log: Logger,
    metrics?: Metrics,
  ) {
    this.consumers = sources
      .filter((s) => isBrokerSource(s.config))
      .map((source) => {
        const options = source.config.options as BrokerSourceOptions;
        const broker = brokers[options.connection];
        if (!broker) throw new Error(`source ${source.config.name}: no broker connection named "${options.connection}"`);
        const Kind = options.type === 'rabbitmq' ? RabbitmqConsumer : options.type === 'nats' ? NatsConsumer : RedisConsumer;
        return new Kind(source, options, broker.url, pipeline, log, metrics);
      });
  }

  get size(): number {
    return this.consumers.length;
  }

  start(): void {
    for (const c of this.consumers) c.start();
  }

  /** Each consumer stops taking messages and settles the ones in hand. */
  async stop(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
  }
}
