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

  type Kind = 'rabbitmq' | 'nats' | 'redis';
  const KINDS: Kind[] = ['rabbitmq', 'nats', 'redis'];
  const PROXY: Record<Kind, keyof typeof proxies> = { rabbitmq: 'rabbit', nats: 'nats', redis: 'redis' };

  /**
   * One broker at a time: a queue, a stream with a durable consumer whose ack wait is short (so a redelivery comes
   * soon), or a Redis key; and a gateway config with one source over it. One source per gateway, because the hold
   * blocks the event loop: with three sources their holds would run one after another, and one message would commit
   * before another was consumed.
   */
  async function setup(name: string, kind: Kind, holdMs: number, via: 'direct' | 'proxy') {
    const names = {
      queue: unique('sluice-crash-q-'),
      stream: unique('sluice_crash_'),
      subject: unique('sluicecrash'),
      key: unique('sluice:crash:'),
    };
    made.push({ queue: names.queue, stream: names.stream, key: names.key });
    if (kind === 'rabbitmq') await rabbitCh.assertQueue(names.queue, { durable: true });
    if (kind === 'nats') {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: names.stream, subjects: [`${names.subject}.>`] });
      await jsm.consumers.add(names.stream, { durable_name: 'crash', ack_policy: AckPolicy.Explicit, ack_wait: 2_000_000_000 });
    }
    const url = (direct: string) => (via === 'direct' ? direct : direct.replace(/:\d+$/, `:${proxies[PROXY[kind]].port}`));
    const source = {
      rabbitmq: `{ provider: rabbitmq, connection: rabbit, queue: ${names.queue}, application: app`,
      nats: `{ provider: nats, connection: nats, stream: ${names.stream}, consumer: crash, application: app`,
      redis: `{ provider: redis, connection: redis, stream: "${names.key}", consumer: crash, application: app`,
    }[kind];
    const dir = join(tmp.dir, `${name}-${kind}`);
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
  rabbit: { type: rabbitmq, url: "${url(RABBIT_URL)}" }
  nats: { type: nats, url: "${url(NATS_URL)}" }
  redis: { type: redis, url: "${url('redis://127.0.0.1:6379')}" }
applications:
  app:
    endpoints:
      - { id: ep, url: "${receiver.url}", retry: [200ms, 200ms, 200ms] }
sources:
  s: ${source}${transformation} }
`,
      );
      return file;
    };
    // The restarted process runs without the hold: nothing there needs to wait, and a loop blocked for seconds only
    // slows the redelivery the test waits for.
    return {
      ...names,
      kind,
      file: write(join(tmp.dir, `${name}-${kind}.yaml`), `, transformation: ${hold(holdMs)}`),
      fileWithoutHold: write(join(tmp.dir, `${name}-${kind}-no-hold.yaml`), ''),
    };
  }
  type Setup = Awaited<ReturnType<typeof setup>>;

  async function publish(s: Setup, marker: string): Promise<void> {
    const body = JSON.stringify({ marker, via: s.kind });
    if (s.kind === 'rabbitmq') {
      rabbitCh.sendToQueue(s.queue, Buffer.from(body), { messageId: `${marker}-q`, contentType: 'application/json', persistent: true });
    } else if (s.kind === 'nats') {
      await jetstream(nc).publish(`${s.subject}.evt`, body, { msgID: `${marker}-n` });
    } else {
      await redis.xadd(s.key, '*', 'id', `${marker}-r`, 'body', body);
    }
  }

  /** The broker's [unacknowledged, still queued] counts for the message. */
  async function counts(s: Setup): Promise<[number, number]> {
    if (s.kind === 'rabbitmq') {
      const q = await rabbitCh.checkQueue(s.queue);
      // A consumed, unacknowledged message is neither ready nor gone: the queue's count excludes it.
      return [q.messageCount === 0 ? -1 : 0, q.messageCount];
    }
    if (s.kind === 'nats') {
      const c = await (await jetstreamManager(nc)).consumers.info(s.stream, 'crash');
      return [c.num_ack_pending, c.num_pending];
    }
    const p = (await redis.xpending(s.key, 'sluice').catch(() => [0])) as [number];
    return [p[0], 0];
  }

  /** The broker has handed its message to a consumer that has not acknowledged it. */
  async function inHand(s: Setup): Promise<void> {
    await eventually(
      async () => {
        const [unacked, queued] = await counts(s);
        return queued === 0 && (unacked === 1 || unacked === -1) ? true : undefined;
      },
      20_000,
      `the ${s.kind} message consumed and not yet acknowledged`,
    );
  }

  /** Nothing left for the broker to redeliver. */
  async function allAcked(s: Setup): Promise<void> {
    await eventually(
      async () => {
        if (s.kind === 'rabbitmq') {
          const q = await rabbitCh.checkQueue(s.queue);
          // With no consumer holding anything, an unacknowledged message would be back in the count.
          return q.messageCount === 0 ? true : undefined;
        }
        const [unacked, queued] = await counts(s);
        return unacked === 0 && queued === 0 ? true : undefined;
      },
      30_000,
      `the ${s.kind} message acknowledged`,
    );
  }

  const deliveries = (marker: string) =>
    receiver.requests.filter((r) => (JSON.parse(r.body.toString()) as { marker: string }).marker === marker);

  async function storedMessages(gw: RunningSluice, marker: string): Promise<number> {
    const res = await fetch(`${gw.url}/api/v1/app/app/msg?limit=250`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    return ((await res.json()) as { data: Array<{ eventId: string }> }).data.filter((m) => m.eventId.startsWith(marker)).length;
  }

  test('kill -9 between consume and commit: each broker redelivers after the restart, the message is stored once and every delivery carries its one id', {
    timeout: 240_000,
  }, async () => {
    for (const kind of KINDS) {
      const s = await setup('kill', kind, 3000, 'direct');
      const marker = unique(`kill-${kind}-`);
      let gw = await startSluice(s.file, { name: `sluice (${kind} crash)` });
      try {
        await publish(s, marker);
        await inHand(s);
        await gw.child.kill();
        gw = await startSluice(s.fileWithoutHold, { name: `sluice (${kind} crash, restarted)` });
        await eventually(() => (deliveries(marker).length >= 1 ? true : undefined), 45_000, `the ${kind} message delivered`);
        await allAcked(s);
        // At least once, under one id: a kill that lands after the commit, with the delivery already on the wire,
        // may deliver it again after the restart. A second stored message is what dedupe must prevent.
        assert.equal(new Set(deliveries(marker).map((r) => String(r.headers['webhook-id']))).size, 1, `${kind}: one message id`);
        assert.equal(await storedMessages(gw, marker), 1, `${kind}: stored once`);
      } finally {
        await gw.child.stop();
      }
    }
  });

  test('committed but the ack lost with the connection: the broker redelivers and dedupe keeps the message single', {
    timeout: 240_000,
  }, async () => {
    for (const kind of KINDS) {
      const s = await setup('cut', kind, 3000, 'proxy');
      const marker = unique(`cut-${kind}-`);
      const proxy = proxies[PROXY[kind]];
      const gw = await startSluice(s.file, { name: `sluice (${kind} ack lost)` });
      try {
        await publish(s, marker);
        await inHand(s);
        // Cut while the message is held before its commit: it commits, and its ack goes nowhere.
        await proxy.down();
        await eventually(
          () => (deliveries(marker).length >= 1 ? true : undefined),
          30_000,
          `the committed ${kind} message delivered`,
        ).catch((err: Error) => {
          throw new Error(`${err.message}; the gateway said:\n${gw.child.tail()}`, { cause: err });
        });
        await proxy.up();
        await eventually(
          () => ((gw.child.stdout.match(/"decision":"duplicate"/g)?.length ?? 0) >= 1 ? true : undefined),
          45_000,
          `the ${kind} redelivery recognised as a duplicate`,
        );
        await allAcked(s);
        await new Promise((r) => setTimeout(r, 1000));
        assert.equal(deliveries(marker).length, 1, `${kind}: delivered once`);
        assert.equal(await storedMessages(gw, marker), 1, `${kind}: stored once`);
      } finally {
        await gw.child.stop();
      }
    }
  });
});
