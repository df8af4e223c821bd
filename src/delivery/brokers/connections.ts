import type { ChannelModel, ConfirmChannel } from 'amqplib';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import type { BrokerConfig } from '../../config/types.ts';
import type { Logger } from '../../observability/logger.ts';

interface Rabbit {
  connection: ChannelModel;
  channel: ConfirmChannel;
}
interface Nats {
  connection: NatsConnection;
  js: JetStreamClient;
  headers: () => MsgHdrs;
}

/**
 * One connection per broker URL, shared by every endpoint and delivery that
 * uses it, opened on first use. A lost connection is dropped from the pool
 * (RabbitMQ) or reconnects by itself (NATS, Redis), so the next delivery
 * finds a live one without a restart; until then deliveries fail and retry on
 * their schedule. URLs carry credentials: they are never logged, only the
 * connection's name. Each client library is loaded on first use: a gateway
 * without broker endpoints does not pay for loading them at every start.
 */
export class BrokerConnections {
  private readonly rabbits = new Map<string, Promise<Rabbit>>();
  private readonly nats = new Map<string, Promise<Nats>>();
  private readonly redis = new Map<string, Redis>();
  private readonly redisFirstConnect = new WeakMap<Redis, Promise<void>>();

  constructor(
    private readonly brokers: Record<string, BrokerConfig>,
    private readonly log: Logger,
  ) {}

  broker(name: string): BrokerConfig {
    const broker = this.brokers[name];
    if (!broker) throw new Error(`no broker connection named "${name}" in the config`);
    return broker;
  }

  rabbit(name: string): Promise<Rabbit> {
    const url = this.broker(name).url;
    let open = this.rabbits.get(url);
    if (!open) {
      open = (async () => {
        const amqp = (await import('amqplib')).default;
        const connection = await amqp.connect(url, { timeout: 5_000 });
        const drop = (err?: Error): void => {
          if (this.rabbits.get(url) === open) this.rabbits.delete(url);
          if (err) this.log.warn({ broker: name, err: err.message }, 'broker: RabbitMQ connection lost; reconnecting on the next delivery');
        };
        connection.on('error', drop);
        connection.on('close', () => drop());
        const channel = await connection.createConfirmChannel();
        // A refused publish (no such exchange) closes the channel, not the connection: open both afresh next time.
        channel.on('error', () => undefined);
        channel.on('close', () => {
          drop();
          connection.close().catch(() => undefined);
        });
        return { connection, channel };
      })();
      open.catch(() => this.rabbits.delete(url));
      this.rabbits.set(url, open);
    }
    return open;
  }

  jetstream(name: string): Promise<Nats> {
    const url = this.broker(name).url;
    let open = this.nats.get(url);
    if (!open) {
      const parsed = new URL(url);
      const auth = parsed.username ? { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } : {};
      open = (async () => {
        const [{ connect, headers }, { jetstream }] = await Promise.all([import('@nats-io/transport-node'), import('@nats-io/jetstream')]);
        const connection = await connect({
          servers: `${parsed.hostname}:${parsed.port || 4222}`,
          ...auth,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          timeout: 5_000,
        });
        void connection.closed().then(() => {
          if (this.nats.get(url) === open) this.nats.delete(url);
        });
        return { connection, js: jetstream(connection), headers };
      })();
      open.catch(() => this.nats.delete(url));
      this.nats.set(url, open);
    }
    return open;
  }

  async redisClient(name: string): Promise<Redis> {
    const url = this.broker(name).url;
    let client = this.redis.get(url);
    if (!client) {
      const { Redis } = await import('ioredis');
      client = this.redis.get(url);
      if (client) return client;
      // No offline queue: a command while disconnected fails at once (a retryable failure), instead of waiting unbounded.
      client = new Redis(url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: 5_000,
        retryStrategy: (n) => Math.min(n * 200, 2_000),
      });
      client.on('error', (err: Error) => this.log.debug({ broker: name, err: err.message }, 'broker: Redis connection error'));
      this.redis.set(url, client);
      const created = client;
      const first = firstConnection(created, 5_000);
      this.redisFirstConnect.set(created, first);
      first.then(
        () => this.redisFirstConnect.delete(created),
        () => this.redisFirstConnect.delete(created),
      );
    }
    // The first connection is waited for (a command before it fails, offline queue or not); a later loss fails commands at once.
    const first = this.redisFirstConnect.get(client);
    if (first) await first;
    return client;
  }

  async close(): Promise<void> {
    const closing: Array<Promise<unknown>> = [];
    for (const open of this.rabbits.values()) closing.push(open.then((r) => r.connection.close()).catch(() => undefined));
    for (const open of this.nats.values()) closing.push(open.then((n) => n.connection.drain()).catch(() => undefined));
    for (const client of this.redis.values()) closing.push(client.quit().catch(() => client.disconnect()));
    this.rabbits.clear();
    this.nats.clear();
    this.redis.clear();
    await Promise.all(closing);
  }
}

/**
 * The outcome of a new client's first connection attempt: ready, or the
 * error or close that ended it (a broker that is down fails the delivery at
 * once, as a lost connection does). Without it, every command sent while the
 * client is still connecting fails with no offline queue, so the first
 * deliveries after a start would all fail and wait for their retry.
 */
function firstConnection(client: Redis, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err?: Error): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      client.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onReady = (): void => settle();
    const onError = (err: Error): void => settle(new Error(`Redis connection failed: ${err.message}`, { cause: err }));
    const onClose = (): void => settle(new Error('the Redis connection closed before it was ready'));
    const timer = setTimeout(() => settle(new Error(`Redis not connected within ${ms} ms`)), ms);
    client.once('ready', onReady);
    client.once('error', onError);
    client.once('close', onClose);
  });
}
