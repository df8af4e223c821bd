import amqp from 'amqplib';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';

export const RABBIT_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A name no other test (or engineer) on the shared brokers uses. */
export function unique(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/** Whether something listens on a loopback port (CI starts the brokers; outside CI a missing one skips). */
export async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(1000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.connect(port, '127.0.0.1');
  });
}

export async function brokerSkip(port: number, name: string): Promise<string | false> {
  if (await listening(port)) return false;
  if (process.env.CI === 'true') throw new Error(`${name} is not running on ${port}; .ci/run starts it`);
  return `${name} is not running on 127.0.0.1:${port}`;
}

/** A RabbitMQ topic exchange with one queue bound to every key, and what arrives in it. */
export async function rabbitQueue(exchange: string): Promise<{ messages: amqp.ConsumeMessage[]; close: () => Promise<void> }> {
  const conn = await amqp.connect(RABBIT_URL);
  const ch = await conn.createChannel();
  await ch.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
  const q = await ch.assertQueue('', { exclusive: true });
  await ch.bindQueue(q.queue, exchange, '#');
  const messages: amqp.ConsumeMessage[] = [];
  await ch.consume(
    q.queue,
    (m) => {
      if (m) messages.push(m);
    },
    { noAck: true },
  );
  return {
    messages,
    close: async () => {
      await ch.deleteExchange(exchange).catch(() => undefined);
      await conn.close();
    },
  };
}

/** A JetStream stream over `subject.>` and a way to read it all. */
export async function natsStream(subject: string) {
  const nc = await natsConnect({ servers: NATS_URL.replace('nats://', '') });
  const jsm = await jetstreamManager(nc);
  const name = subject.replace(/\W/g, '_');
  await jsm.streams.add({ name, subjects: [`${subject}.>`] });
  return {
    name,
    async read(): Promise<Array<{ subject: string; data: Uint8Array; headers: Record<string, string> }>> {
      const info = await jsm.streams.info(name);
      const out = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const m = await jsm.streams.getMessage(name, { seq });
        if (!m) continue;
        const headers: Record<string, string> = {};
        for (const [k, v] of m.header ?? []) headers[k.toLowerCase()] = v[0] ?? '';
        out.push({ subject: m.subject, data: m.data, headers });
      }
      return out;
    },
    close: async () => {
      await jsm.streams.delete(name).catch(() => undefined);
      await nc.close();
    },
  };
}

export function redisClient(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
}
