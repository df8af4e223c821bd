import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { headers as natsHeaders, connect as natsConnect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { TcpProxy } from '../faults/tcp-proxy.ts';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { brokerSkip, NATS_URL, RABBIT_URL, redisClient, REDIS_URL, unique } from './broker-helpers.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const skip = (await brokerSkip(5672, 'RabbitMQ')) || (await brokerSkip(4222, 'NATS')) || (await brokerSkip(6379, 'Redis'));

describe('broker sources', { skip }, () => {
  const queue = unique('sluice-src-q-');
  const natsStreamName = unique('sluice_src_');
  const natsSubject = unique('sluicesrc');
  const redisStream = unique('sluice:src:');
  const flakyStream = unique('sluice:src-flaky:');
  const smallStream = unique('sluice:src-small:');
  const proxy = new TcpProxy(6379);
  const receiver = new Receiver();
  const redis = redisClient();
  let rabbitConn: amqp.ChannelModel;
  let rabbitCh: amqp.Channel;
  let nc: Awaited<ReturnType<typeof natsConnect>>;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;

  /** Bodies the receiver got that contain `marker`. */
  const deliveredWith = (marker: string) => receiver.requests.filter((r) => r.body.toString().includes(marker));
  const quarantined = async (app: string) =>
    ((await (await gw.api(`/app/${app}/quarantine`)).json()) as { data: Array<{ id: string; payload?: unknown; error?: string }> }).data;

  before(async () => {
    await receiver.start();
    await proxy.up();
    rabbitConn = await amqp.connect(RABBIT_URL);
    rabbitCh = await rabbitConn.createChannel();
    await rabbitCh.assertQueue(queue, { durable: false });
    nc = await natsConnect({ servers: NATS_URL.replace('nats://', '') });
    await (await jetstreamManager(nc)).streams.add({ name: natsStreamName, subjects: [`${natsSubject}.>`] });
    const endpoint = `{ id: ep, url: "${receiver.url}", secret: ${SECRET}, retry: [200ms, 200ms, 200ms] }`;
    const apps = ['rabbit', 'nats', 'redis', 'flaky'].map((a) => `  ${a}:\n    endpoints:\n      - ${endpoint}`).join('\n');
    gw = await startTestGateway(`
brokers:
  rabbit: { type: rabbitmq, url: "${RABBIT_URL}" }
  nats: { type: nats, url: "${NATS_URL}" }
  redis: { type: redis, url: "${REDIS_URL}" }
  flaky: { type: redis, url: "redis://127.0.0.1:${proxy.port}" }
applications:
${apps}
sources:
  fromRabbit: { provider: rabbitmq, connection: rabbit, queue: ${queue}, application: rabbit, eventType: body:$.type, prefetch: 4 }
  fromNats: { provider: nats, connection: nats, stream: ${natsStreamName}, application: nats, eventType: header:nats-subject }
  fromRedis: { provider: redis, connection: redis, stream: "${redisStream}", application: redis, consumer: test-a }
  fromFlaky: { provider: redis, connection: flaky, stream: "${flakyStream}", application: flaky }
  fromRedisSmall: { provider: redis, connection: redis, stream: "${smallStream}", application: redis, maxBodySize: 64 }
`);
  });

  after(async () => {
    await gw?.stop();
    await rabbitCh?.deleteQueue(queue).catch(() => undefined);
    await rabbitConn?.close().catch(() => undefined);
    await (await jetstreamManager(nc)).streams.delete(natsStreamName).catch(() => undefined);
    await nc?.close();
    await redis.del(redisStream, flakyStream, smallStream).catch(() => undefined);
    redis.disconnect();
    await proxy.down();
    await receiver.stop();
  });

  const rabbitPublish = (body: string, messageId?: string, contentType = 'application/json') =>
    rabbitCh.sendToQueue(queue, Buffer.from(body), { contentType, ...(messageId ? { messageId } : {}), headers: { 'x-tenant': 't1' } });

  const rabbitSettled = () =>
    eventually(
      async () => {
        const q = await rabbitCh.checkQueue(queue);
        return q.messageCount === 0 ? true : undefined;
      },
      15_000,
      'the queue drained',
    );

  test('RabbitMQ: a queued message is ingested once, delivered signed to the endpoint, and acknowledged', async () => {
    const marker = unique('rmq-');
    const body = JSON.stringify({ type: 'order.created', marker });
    rabbitPublish(body, `m-${marker}`);
    await eventually(() => (deliveredWith(marker).length === 1 ? true : undefined), 15_000, 'the delivery');
    const [got] = deliveredWith(marker);
    assert.equal(got!.body.toString(), body);
    assert.deepEqual(new Webhook(SECRET).verify(got!.body.toString(), got!.headers as Record<string, string>), JSON.parse(body));
    // The same message id published again is the same message.
    rabbitPublish(body, `m-${marker}`);
    await rabbitSettled();
    const msgs = ((await (await gw.api('/app/rabbit/msg')).json()) as { data: Array<{ eventType: string; eventId: string }> }).data;
    assert.equal(msgs.filter((m) => m.eventId === `m-${marker}`).length, 1, 'stored once');
    assert.equal(msgs.find((m) => m.eventId === `m-${marker}`)?.eventType, 'order.created');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(deliveredWith(marker).length, 1, 'delivered once');
  });

  test('RabbitMQ: a poison message (not JSON) is stored invalid and acknowledged, not redelivered', async () => {
    const marker = unique('poison-');
    rabbitPublish(`{not json ${marker}`, `p-${marker}`);
    const [invalid] = await eventually(
      async () => {
        const q = (await quarantined('rabbit')).filter((m) => JSON.stringify(m).includes(`p-${marker}`));
        return q.length > 0 ? q : undefined;
      },
      15_000,
      'the quarantined message',
    );
    assert.ok(invalid);
    await rabbitSettled();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(
      (await quarantined('rabbit')).filter((m) => JSON.stringify(m).includes(`p-${marker}`)).length,
      1,
      'stored once, not redelivered',
    );
    assert.equal(deliveredWith(marker).length, 0);
  });

  test('NATS JetStream: a durable consumer ingests each message once; the ack is confirmed', async () => {
    const js = jetstream(nc);
    const marker = unique('nats-');
    const h = natsHeaders();
    h.set('content-type', 'application/json');
    const body = JSON.stringify({ marker });
    await js.publish(`${natsSubject}.invoice.paid`, body, { msgID: `n-${marker}`, headers: h });
    await js.publish(`${natsSubject}.invoice.paid`, body, { msgID: `n2-${marker}`, headers: h });
    await eventually(() => (deliveredWith(marker).length === 2 ? true : undefined), 15_000, 'two deliveries');
    const msgs = ((await (await gw.api('/app/nats/msg')).json()) as { data: Array<{ eventType: string; eventId: string }> }).data;
    assert.deepEqual(
      msgs.filter((m) => m.eventId.endsWith(marker)).map((m) => m.eventType),
      [`${natsSubject}.invoice.paid`, `${natsSubject}.invoice.paid`],
    );
    const info = await eventually(
      async () => {
        const i = await (await jetstreamManager(nc)).consumers.info(natsStreamName, 'sluice-fromNats');
        return i.num_ack_pending === 0 && i.num_pending === 0 ? i : undefined;
      },
      15_000,
      'every message acknowledged',
    );
    assert.equal(info.delivered.stream_seq, 2);
  });

  test('Redis Streams: a consumer group ingests each entry once and XACKs it; a bad entry is stored invalid and acked', async () => {
    const marker = unique('redis-');
    const body = JSON.stringify({ marker });
    await redis.xadd(
      redisStream,
      '*',
      'id',
      `r-${marker}`,
      'type',
      'user.signup',
      'body',
      body,
      'headers',
      JSON.stringify({ 'content-type': 'application/json' }),
    );
    await redis.xadd(redisStream, '*', 'id', `bad-${marker}`, 'body', `<xml>${marker}`);
    await eventually(() => (deliveredWith(marker).length === 1 ? true : undefined), 15_000, 'the delivery');
    await eventually(
      async () => ((await quarantined('redis')).some((m) => JSON.stringify(m).includes(`bad-${marker}`)) ? true : undefined),
      15_000,
      'the invalid one',
    );
    const pending = await eventually(
      async () => {
        const p = (await redis.xpending(redisStream, 'sluice')) as [number, ...unknown[]];
        return p[0] === 0 ? p : undefined;
      },
      15_000,
      'nothing pending in the group',
    );
    assert.equal(pending[0], 0);
    const msgs = ((await (await gw.api('/app/redis/msg')).json()) as { data: Array<{ eventType: string; eventId: string }> }).data;
    assert.equal(msgs.find((m) => m.eventId === `r-${marker}`)?.eventType, 'user.signup');
  });

  test("a message over the source's maxBodySize is a rejection the console shows, and acknowledged", async () => {
    const marker = unique('big-');
    await redis.xadd(smallStream, '*', 'id', marker, 'body', JSON.stringify({ marker, pad: 'x'.repeat(200) }));
    const rows = await eventually(
      async () => {
        await gw.gateway.flushCounters();
        const res = await gw.api('/rejected?source=fromRedisSmall');
        const data = ((await res.json()) as { data: Array<{ reason: string; bodySize: number }> }).data;
        return data.length > 0 ? data : undefined;
      },
      15_000,
      'the rejection',
    );
    assert.match(rows[0]!.reason, /over the source's maxBodySize of 64/);
    await eventually(
      async () => (((await redis.xpending(smallStream, 'sluice')) as [number])[0] === 0 ? true : undefined),
      15_000,
      'acknowledged',
    );
    assert.equal(deliveredWith(marker).length, 0);
  });

  test('a broker outage: the consumer reconnects with backoff and takes what was published meanwhile', async () => {
    const marker = unique('flaky-');
    await proxy.down();
    const bodies = Array.from({ length: 5 }, (_, i) => JSON.stringify({ marker, i }));
    for (const [i, b] of bodies.entries()) await redis.xadd(flakyStream, '*', 'id', `f${i}-${marker}`, 'body', b);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(deliveredWith(marker).length, 0, 'nothing while the broker is unreachable');
    assert.match(gw.logs.lines.join('\n'), /broker consumer lost its connection; reconnecting/);
    await proxy.up();
    await eventually(() => (deliveredWith(marker).length === 5 ? true : undefined), 40_000, 'all five after the outage');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(deliveredWith(marker).length, 5, 'each once');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /sluice_source_consumer_connected\{source="fromFlaky"\} 1/);
    assert.match(metrics, /sluice_source_consumer_reconnects_total\{source="fromFlaky"\} [1-9]/);
  });

  test('an HTTP request to a broker source is refused: it takes messages only from its broker', async () => {
    const res = await fetch(`${gw.url}/in/fromRabbit`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { reason: string }).reason, /consumes from rabbitmq/);
  });
});
