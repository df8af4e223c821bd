import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { after, before, describe, test } from 'node:test';
import { startSluice, type RunningSluice } from '../../bench/lib/sluice.ts';
import { TcpProxy } from '../faults/tcp-proxy.ts';
import { API_TOKEN, eventually, tempDir } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { brokerSkip, NATS_URL, RABBIT_URL, redisClient, unique } from './broker-helpers.ts';

const skip = (await brokerSkip(5672, 'RabbitMQ')) || (await brokerSkip(4222, 'NATS')) || (await brokerSkip(6379, 'Redis'));

/**
 * A source transformation that holds each message for `ms` before it reaches
 * the commit: a window, wide enough to aim at, between consume and commit.
 */
const hold = (ms: number) => `"(w) => { const t = Date.now(); while (Date.now() - t < ${ms}) {} return w; }"`;

describe('broker sources: acknowledged only after the commit', { skip }, () => {
  const receiver = new Receiver();
  const tmp = tempDir('sluice-broker-crash-');
  const redis = redisClient();
  const proxies = { rabbit: new TcpProxy(5672), nats: new TcpProxy(4222), redis: new TcpProxy(6379) };
  let rabbitConn: amqp.ChannelModel;
  let rabbitCh: amqp.Channel;
  let nc: Awaited<ReturnType<typeof natsConnect>>;
  const made: Array<{ queue: string; stream: string; key: string }> = [];

  before(async () => {
    await receiver.start();
    for (const p of Object.values(proxies)) await p.up();
    rabbitConn = await amqp.connect(RABBIT_URL);
    rabbitCh = await rabbitConn.createChannel();
    nc = await natsConnect({ servers: NATS_URL.replace('nats://', '') });
  });
  after(async () => {
    const jsm = await jetstreamManager(nc);
    for (const m of made) {
      await rabbitCh.deleteQueue(m.queue).catch(() => undefined);
      await jsm.streams.delete(m.stream).catch(() => undefined);
      await redis.del(m.key).catch(() => undefined);
    }
    await rabbitConn.close().catch(() => undefined);
    await nc.close();
    redis.disconnect();
    for (const p of Object.values(proxies)) await p.down();
    await receiver.stop();
    tmp.remove();
  });

  /** A queue, a stream with a durable consumer whose ack wait is short (so a redelivery comes soon), a Redis key; and a gateway config over them. */
  async function setup(name: string, holdMs: number, via: 'direct' | 'proxy') {
    const names = {
      queue: unique('sluice-crash-q-'),
      stream: unique('sluice_crash_'),
      subject: unique('sluicecrash'),
      key: unique('sluice:crash:'),
    };
    made.push({ queue: names.queue, stream: names.stream, key: names.key });
    await rabbitCh.assertQueue(names.queue, { durable: true });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: names.stream, subjects: [`${names.subject}.>`] });
    await jsm.consumers.add(names.stream, { durable_name: 'crash', ack_policy: AckPolicy.Explicit, ack_wait: 2_000_000_000 });
    const url = (kind: keyof typeof proxies, direct: string) =>
      via === 'direct' ? direct : direct.replace(/:\d+$/, `:${proxies[kind].port}`);
    const dir = join(tmp.dir, name);
    const write = (file: string, transformation: string): string => {
      writeFileSync(
        file,
        `apiToken: ${API_TOKEN}
allowPrivateNetworks: true
server: { host: 127.0.0.1, port: 0 }
dataDir: "${dir}"
logLevel: info
transformations: { timeout: 10s }
brokers:
  rabbit: { type: rabbitmq, url: "${url('rabbit', RABBIT_URL)}" }
  nats: { type: nats, url: "${url('nats', NATS_URL)}" }
  redis: { type: redis, url: "${url('redis', 'redis://127.0.0.1:6379')}" }
applications:
  app:
    endpoints:
      - { id: ep, url: "${receiver.url}", retry: [200ms, 200ms, 200ms] }
sources:
  q: { provider: rabbitmq, connection: rabbit, queue: ${names.queue}, application: app${transformation} }
  n: { provider: nats, connection: nats, stream: ${names.stream}, consumer: crash, application: app${transformation} }
  r: { provider: redis, connection: redis, stream: "${names.key}", consumer: crash, application: app${transformation} }
`,
      );
      return file;
    };
    // The restarted process runs without the hold: a transformation that blocks the event loop for seconds would
    // also stall the answers of deliveries in flight past their timeout, and the retry would be a second delivery.
    return {
      ...names,
      file: write(join(tmp.dir, `${name}.yaml`), `, transformation: ${hold(holdMs)}`),
      fileWithoutHold: write(join(tmp.dir, `${name}-no-hold.yaml`), ''),
    };
  }

  async function publishAll(s: Awaited<ReturnType<typeof setup>>, marker: string): Promise<void> {
    rabbitCh.sendToQueue(s.queue, Buffer.from(JSON.stringify({ marker, via: 'rabbitmq' })), {
      messageId: `${marker}-q`,
      contentType: 'application/json',
      persistent: true,
    });
    await jetstream(nc).publish(`${s.subject}.evt`, JSON.stringify({ marker, via: 'nats' }), { msgID: `${marker}-n` });
    await redis.xadd(s.key, '*', 'id', `${marker}-r`, 'body', JSON.stringify({ marker, via: 'redis' }));
  }

  /** Each broker has handed its message to a consumer that has not acknowledged it. */
  async function inHand(s: Awaited<ReturnType<typeof setup>>): Promise<void> {
    const jsm = await jetstreamManager(nc);
    await eventually(
      async () => {
        const q = await rabbitCh.checkQueue(s.queue);
        const c = await jsm.consumers.info(s.stream, 'crash');
        const p = (await redis.xpending(s.key, 'sluice').catch(() => [0])) as [number];
        return q.messageCount === 0 && c.num_ack_pending === 1 && p[0] === 1 ? true : undefined;
      },
      20_000,
      'every message consumed and not yet acknowledged',
    );
  }

  /** Nothing left for any broker to redeliver. */
  async function allAcked(s: Awaited<ReturnType<typeof setup>>): Promise<void> {
    const jsm = await jetstreamManager(nc);
    await eventually(
      async () => {
        const q = await rabbitCh.checkQueue(s.queue);
        const c = await jsm.consumers.info(s.stream, 'crash');
        const p = (await redis.xpending(s.key, 'sluice')) as [number];
        return q.messageCount === 0 && c.num_ack_pending === 0 && c.num_pending === 0 && p[0] === 0 ? true : undefined;
      },
      30_000,
      'every message acknowledged',
    );
  }

  const delivered = (marker: string) =>
    receiver.requests.map((r) => JSON.parse(r.body.toString()) as { marker: string; via: string }).filter((b) => b.marker === marker);

  /**
   * After a crash: each message stored once, delivered at least once, and every delivery of one message carries
   * the same message id (a receiver dedupes on it). A kill that lands after a commit whose delivery was already on
   * the wire may deliver it again after the restart: at-least-once allows that, a second stored message it does not.
   */
  async function storedOnce(marker: string, gw: RunningSluice): Promise<void> {
    await eventually(() => (new Set(delivered(marker).map((b) => b.via)).size === 3 ? true : undefined), 45_000, 'one delivery per broker');
    const ids = new Map<string, Set<string>>();
    for (const r of receiver.requests) {
      const body = JSON.parse(r.body.toString()) as { marker: string; via: string };
      if (body.marker !== marker) continue;
      const set = ids.get(body.via) ?? new Set<string>();
      set.add(String(r.headers['webhook-id']));
      ids.set(body.via, set);
    }
    for (const [via, set] of ids) assert.equal(set.size, 1, `every delivery of the ${via} message carries one message id`);
    const res = await fetch(`${gw.url}/api/v1/app/app/msg?limit=250`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    const msgs = ((await res.json()) as { data: Array<{ eventId: string }> }).data.filter((m) => m.eventId.startsWith(marker));
    assert.equal(msgs.length, 3, 'each message stored once');
  }

  async function exactlyOnce(marker: string, gw: RunningSluice): Promise<void> {
    await eventually(() => (delivered(marker).length >= 3 ? true : undefined), 45_000, 'one delivery per broker');
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(
      delivered(marker)
        .map((b) => b.via)
        .sort(),
      ['nats', 'rabbitmq', 'redis'],
      'each message delivered exactly once',
    );
    const res = await fetch(`${gw.url}/api/v1/app/app/msg?limit=250`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    const msgs = ((await res.json()) as { data: Array<{ eventId: string }> }).data.filter((m) => m.eventId.startsWith(marker));
    assert.equal(msgs.length, 3, 'each message stored once');
  }

  test('kill -9 between consume and commit: each broker redelivers after the restart, the message is stored once and every delivery carries its one id', {
    timeout: 120_000,
  }, async () => {
    const s = await setup('kill', 3000, 'direct');
    const marker = unique('kill-');
    let gw = await startSluice(s.file, { name: 'sluice (broker crash)' });
    try {
      await publishAll(s, marker);
      await inHand(s);
      await gw.child.kill();
      gw = await startSluice(s.fileWithoutHold, { name: 'sluice (broker crash, restarted)' });
      await storedOnce(marker, gw);
      await allAcked(s);
    } finally {
      await gw.child.stop();
    }
  });

  test('committed but the ack lost with the connection: the broker redelivers and dedupe keeps the message single', {
    timeout: 120_000,
  }, async () => {
    const s = await setup('cut', 3000, 'proxy');
    const marker = unique('cut-');
    const gw = await startSluice(s.file, { name: 'sluice (broker ack lost)' });
    try {
      await publishAll(s, marker);
      await inHand(s);
      // Cut while the messages are held before their commit: they commit, and their acks go nowhere.
      for (const p of Object.values(proxies)) await p.down();
      await eventually(() => (delivered(marker).length >= 3 ? true : undefined), 30_000, 'the three committed messages delivered');
      for (const p of Object.values(proxies)) await p.up();
      await eventually(
        () => ((gw.child.stdout.match(/"decision":"duplicate"/g)?.length ?? 0) >= 3 ? true : undefined),
        45_000,
        'three redeliveries recognised as duplicates',
      );
      await exactlyOnce(marker, gw);
      await allAcked(s);
    } finally {
      await gw.child.stop();
    }
  });
});
