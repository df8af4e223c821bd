import { hostname } from 'node:os';
import { defaults } from '../config/defaults.ts';
import type { Section } from '../config/section.ts';
import type { BrokerConfig } from '../config/types.ts';
import type { BrokerType } from '../delivery/brokers/target.ts';
import { fail } from '../providers/support.ts';
import { header, type ProviderDefinition } from '../providers/types.ts';

/** How a broker source consumes (`provider: rabbitmq | nats | redis` and its keys). */
export interface BrokerSourceOptions {
  type: BrokerType;
  /** A connection under `brokers:`. */
  connection: string;
  /** The RabbitMQ queue, or the JetStream stream, or the Redis stream key. */
  from: string;
  /** JetStream: the durable consumer's name (default `sluice-SOURCE`). Redis: this process's name in the group (default the host name). */
  consumer: string | undefined;
  /** Redis: the consumer group. */
  group: string;
  /** JetStream: only this subject of the stream (a filter; wildcards allowed). */
  subject: string | undefined;
  /** Messages handed out and not yet acknowledged, at most (RabbitMQ prefetch, JetStream max messages, Redis COUNT). */
  prefetch: number;
  /** The content type of a message that names none. */
  contentType: string;
  /** A message whose ingest throws this many times in a row is recorded as a rejection and acknowledged (a poison message). */
  maxAttempts: number;
}

/**
 * The broker's stable id of a consumed message and its type, as headers only the
 * consumer sets (`sluice-*` is never forwarded to endpoints): the default event
 * id and type when the message carries no `webhook-id` / `sluice-event-type`.
 */
export const BROKER_ID_HEADER = 'sluice-broker-id';
export const BROKER_TYPE_HEADER = 'sluice-broker-type';

/** Keys of a source that mean nothing to a consumer (it signs nothing and answers no one). */
const HTTP_ONLY_KEYS = ['secret', 'secrets', 'tolerance', 'publicUrl', 'respond', 'reconcile'] as const;

function definition(type: BrokerType, keys: readonly string[]): ProviderDefinition<BrokerSourceOptions> {
  const fromKey = type === 'rabbitmq' ? 'queue' : 'stream';
  return {
    name: type,
    keys: ['connection', fromKey, 'prefetch', 'contentType', 'maxAttempts', ...keys],
    needsSecret: false,
    parseOptions(section: Section) {
      for (const key of HTTP_ONLY_KEYS)
        if (section.has(key)) section.problem(key, `does not apply to a ${type} source (it consumes from the broker instead of listening)`);
      const connection = section.str('connection', { required: true });
      const from = section.str(fromKey, { required: true });
      const prefetch = section.int('prefetch', { min: 1, max: 10_000 }) ?? defaults.brokerSourcePrefetch;
      const contentType = section.str('contentType') ?? defaults.brokerSourceContentType;
      const maxAttempts = section.int('maxAttempts', { min: 1, max: 100 }) ?? defaults.brokerSourceMaxAttempts;
      const consumer = section.str('consumer');
      const group = section.str('group') ?? defaults.brokerSourceGroup;
      const subject = section.str('subject');
      if (consumer !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(consumer))
        section.problem('consumer', 'use letters, digits, _ and - (at most 64)');
      if (connection === undefined || from === undefined) return undefined;
      return {
        type,
        connection,
        from,
        prefetch,
        contentType,
        maxAttempts,
        group,
        subject,
        consumer,
      };
    },
    create() {
      return {
        // Its messages come through the consumer, which is trusted as the broker's authenticated client; an HTTP request is no such message.
        verify: () => fail(`this source consumes from ${type} and takes no HTTP requests`),
        extract: (req) => ({
          eventId: header(req, 'webhook-id') ?? header(req, BROKER_ID_HEADER),
          eventType: header(req, 'sluice-event-type') ?? header(req, BROKER_TYPE_HEADER),
        }),
      };
    },
  };
}

export const rabbitmqSource = definition('rabbitmq', []);
export const natsSource = definition('nats', ['consumer', 'subject']);
export const redisSource = definition('redis', ['group', 'consumer']);

export const BROKER_SOURCE_PROVIDERS: readonly string[] = ['rabbitmq', 'nats', 'redis'];

export function isBrokerSource(source: { provider: string }): boolean {
  return BROKER_SOURCE_PROVIDERS.includes(source.provider);
}

/** The source's connection must be under `brokers:` and of the source's type. */
export function checkSourceConnection(section: Section, options: BrokerSourceOptions, brokers: Record<string, BrokerConfig>): void {
  const broker = brokers[options.connection];
  if (!broker)
    section.problem('connection', `"${options.connection}" is not under brokers (known: ${Object.keys(brokers).join(', ') || 'none'})`);
  else if (broker.type !== options.type)
    section.problem('connection', `"${options.connection}" is a ${broker.type} connection, not ${options.type}`);
}

/** The consumer name a source uses: its own, or the default of its type. */
export function consumerName(sourceName: string, options: BrokerSourceOptions): string {
  if (options.consumer) return options.consumer;
  const name = options.type === 'redis' ? hostname() : `sluice-${sourceName}`;
  return name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
}
