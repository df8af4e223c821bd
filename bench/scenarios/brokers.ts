import amqp from 'amqplib';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { startNode } from '../lib/child.ts';
import { figure, type Figure, type ScenarioResult } from '../lib/figures.ts';
import type { Harness } from '../lib/harness.ts';
import { BENCH_SECRET } from '../lib/payload.ts';
import { writeConfig } from '../lib/sluice.ts';

const RABBIT_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DRAIN_TIMEOUT_MS = 180_000;

/** One destination of the comparison: its endpoint, how many messages it holds now, and its set-up and clean-up on the broker. */
interface Destination {
  name: 'http' | 'rabbitmq' | 'nats' | 'redis';
  port: number | null;
  endpoint: string;
  open(): Promise<{ count: () => Promise<number>; close: () => Promise<void> }>;
}

function listening(port: number): Promise<boolean> {
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

function destinations(h: Harness, tag: string): Destination[] {
  const secret = `secret: "${BENCH_SECRET}"`;
  return [
    {
      name: 'http',
      port: null,
      endpoint: `{ id: ep0, url: "${h.sinkUrl(0)}", ${secret} }`,
      open: async () => {
        await h.sinkReset();
        return { count: async () => (await h.sinkCount()).count, close: async () => undefined };
      },
    },
    {
      name: 'rabbitmq',
      port: 5672,
      endpoint: `{ id: ep0, type: rabbitmq, connection: rabbit, exchange: ${tag}, routingKey: "bench.{eventType}", ${secret} }`,
      open: async () => {
        const conn = await amqp.connect(RABBIT_URL);
        const ch = await conn.createChannel();
        await ch.assertExchange(tag, 'topic', { durable: false });
        await ch.assertQueue(tag, { durable: false });
        await ch.bindQueue(tag, tag, '#');
        return {
          count: async () => (await ch.checkQueue(tag)).messageCount,
          close: async () => {
            await ch.deleteQueue(tag).catch(() => undefined);
            await ch.deleteExchange(tag).catch(() => undefined);
            await conn.close();
          },
        };
      },
    },
    {
      name: 'nats',
      port: 4222,
      endpoint: `{ id: ep0, type: nats, connection: nats, subject: "${tag}.{eventType}", ${secret} }`,
      open: async () => {
        const nc = await natsConnect({ servers: NATS_URL.replace('nats://', '') });
        const jsm = await jetstreamManager(nc);
        await jsm.streams.add({ name: tag, subjects: [`${tag}.>`] });
        return {
          count: async () => (await jsm.streams.info(tag)).state.messages,
          close: async () => {
            await jsm.streams.delete(tag).catch(() => undefined);
            await nc.close();
          },
        };
      },
    },
    {
      name: 'redis',
      port: 6379,
      endpoint: `{ id: ep0, type: redis, connection: redis, stream: "${tag}", ${secret} }`,
      open: async () => {
        const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
        return {
          count: () => redis.xlen(tag),
          close: async () => {
            await redis.del(tag);
            redis.disconnect();
          },
        };
      },
    },
  ];
}

/**
 * (f) Delivery to each destination type: the same backlog of pending
 * deliveries (built through the Store before the gateway starts) drained to
 * one endpoint of each type in turn — HTTP to the sink, then a RabbitMQ
 * exchange (publisher confirms), a JetStream subject (acked publish) and a
 * Redis stream (XADD) on the local brokers. Deliveries per second are counted
 * at the destination; each broker's figure is also given as a ratio to HTTP's
 * in the same run. A broker not running is skipped with a note.
 */
export async function brokersScenario(h: Harness): Promise<ScenarioResult> {
  const size = Math.max(1000, Math.min(50_000, Math.round(h.opts.durationMs / 1000) * 500));
  const tag = `sluicebench${randomBytes(4).toString('hex')}`;
  const top = `brokers:\n  rabbit: { type: rabbitmq, url: "${RABBIT_URL}" }\n  nats: { type: nats, url: "${NATS_URL}" }\n  redis: { type: redis, url: "${REDIS_URL}" }`;
  const figures: Figure[] = [];
  const notes: string[] = [];
  const peaks: number[] = [];
  const raw: Record<string, unknown> = { size };
  let httpRate: number | undefined;
  // `BENCH_DESTINATIONS=http,redis` narrows the run (http first: the others' ratios need it).
  const only = process.env.BENCH_DESTINATIONS?.split(',').map((n) => n.trim());
  for (const d of destinations(h, tag).filter((x) => !only || only.includes(x.name))) {
    if (d.port !== null && !(await listening(d.port))) {
      notes.push(`${d.name}: skipped, nothing listens on 127.0.0.1:${d.port}`);
      continue;
    }
    const store = await h.newStore(`brokers-${d.name}`);
    const setup = { ...h.setup(store, []), rawEndpoints: [d.endpoint], top };
    const config = writeConfig(setup);
    const filler = startNode('backlog-setup', 'bench/backlog-setup.ts', [config, String(size), String(h.opts.bodySize)]);
    const code = await filler.wait();
    if (code !== 0) throw new Error(`backlog setup for ${d.name} failed (${code}):\n${filler.stderr.slice(-2000)}`);
    const target = await d.open();
    try {
      const run = await h.withSluice(setup, async () => {
        const t0 = Date.now();
        const c0 = await target.count();
        let last = c0;
        while (last < size && Date.now() - t0 < DRAIN_TIMEOUT_MS) {
          await new Promise((r) => setTimeout(r, 100));
          last = await target.count();
        }
        return { delivered: last - c0, seconds: (Date.now() - t0) / 1000, finished: last >= size };
      });
      const { delivered, seconds, finished } = run.value;
      const rate = delivered / seconds;
      peaks.push(...run.peakRssMiB);
      raw[d.name] = run.value;
      if (!finished) notes.push(`${d.name}: only ${delivered} of ${size} delivered within ${DRAIN_TIMEOUT_MS / 1000} s`);
      if (d.name === 'http') {
        httpRate = rate;
        figures.push(figure('http (sink on loopback)', rate, 'deliveries/s'));
      } else {
        figures.push(
          figure(
            `${d.name}`,
            rate,
            'deliveries/s',
            httpRate !== undefined ? { baseline: Math.round(httpRate * 100) / 100, target: 'ratio to http' } : {},
          ),
        );
      }
    } finally {
      await target.close();
    }
  }
  return {
    name: 'brokers',
    title: `(f) a backlog of ${size.toLocaleString('en')} deliveries drained to one endpoint of each type (ratio: to http in this run)`,
    figures,
    sluicePeakRssMiB: peaks.length > 0 ? peaks : [0],
    notes,
    raw,
  };
}
