import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { TcpProxy } from '../faults/tcp-proxy.ts';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { hmacHex } from '../helpers/signing.ts';
import { brokerSkip, natsStream, RABBIT_URL, NATS_URL, rabbitQueue, redisClient, REDIS_URL, unique } from './broker-helpers.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const skip = (await brokerSkip(5672, 'RabbitMQ')) || (await brokerSkip(4222, 'NATS')) || (await brokerSkip(6379, 'Redis'));

function verify(body: Buffer | Uint8Array | string, headers: Record<string, unknown>): unknown {
  return new Webhook(SECRET).verify(Buffer.from(body as Uint8Array).toString(), {
    'webhook-id': String(headers['webhook-id']),
    'webhook-timestamp': String(headers['webhook-timestamp']),
    'webhook-signature': String(headers['webhook-signature']),
  });
}

describe('broker destinations', { skip }, () => {
  const exchange = unique('sluice-x-');
  const subject = unique('sluicetest');
  const stream = unique('sluice:stream:');
  const fifoStream = unique('sluice:fifo:');
  const outageStream = unique('sluice:outage:');
  const proxy = new TcpProxy(6379);
  let rabbit: Awaited<ReturnType<typeof rabbitQueue>>;
  let nats: Awaited<ReturnType<typeof natsStream>>;
  const redis = redisClient();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let n = 0;
  const send = async (source: string, payload: Record<string, unknown> = {}) => {
    const body = JSON.stringify({ id: `evt_${++n}`, type: 'invoice.paid', ...payload });
    const res = await fetch(`${gw.url}/in/${source}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-s': hmacHex('s', body), 'x-request-id': `r${n}` },
    });
    assert.equal(res.status, 200);
    return { id: ((await res.json()) as { id: string }).id, body };
  };
  const entries = async (key: string) =>
    (await redis.xrange(key, '-', '+')).map(([, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      return f;
    });

  before(async () => {
    rabbit = await rabbitQueue(exchange);
    nats = await natsStream(subject);
    await proxy.up();
    const source = (app: string, extra = '') =>
      `{ provider: hmac, secret: s, header: X-S, eventType: body:$.type, idempotencyKey: body:$.id, application: ${app}, forwardHeaders: [x-request-id]${extra} }`;
    gw = await startTestGateway(`
delivery:
  retry: [200ms, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms]
brokers:
  rabbit: { type: rabbitmq, url: "${RABBIT_URL}" }
  nats: { type: nats, url: "${NATS_URL}" }
  redis: { type: redis, url: "${REDIS_URL}" }
  flaky: { type: redis, url: "redis://127.0.0.1:${proxy.port}" }
applications:
  toRabbit:
    endpoints:
      - { id: q, type: rabbitmq, connection: rabbit, exchange: ${exchange}, routingKey: "hooks.{eventType}", secret: ${SECRET} }
  toNats:
    endpoints:
      - { id: js, type: nats, connection: nats, subject: "${subject}.{eventType}", secret: ${SECRET} }
  toRedis:
    endpoints:
      - { id: s, type: redis, connection: redis, stream: "${stream}", maxLen: 1000, secret: ${SECRET} }
  ordered:
    endpoints:
      - { id: s, type: redis, connection: redis, stream: "${fifoStream}", fifo: true, secret: ${SECRET} }
  outage:
    endpoints:
      - { id: s, type: redis, connection: flaky, stream: "${outageStream}", secret: ${SECRET}, timeout: 1s }
sources:
  rabbit: ${source('toRabbit')}
  nats: ${source('toNats')}
  redis: ${source('toRedis')}
  ordered: ${source('ordered', ', orderingKey: body:$.key, sequence: body:$.seq')}
  outage: ${source('outage')}
`);
  });
  after(async () => {
    await gw?.stop();
    await rabbit?.close();
    await nats?.close();
    await redis.del(stream, fifoStream, outageStream).catch(() => undefined);
    redis.disconnect();
    await proxy.down();
  });

  test('RabbitMQ: published with confirms to the exchange, routing key from the event type, headers verify', async () => {
    const { id, body } = await send('rabbit', { amount: 1 });
    await eventually(() => (rabbit.messages.length >= 1 ? true : undefined), 15_000, 'the RabbitMQ message');
    const m = rabbit.messages[0]!;
    assert.equal(m.content.toString(), body);
    assert.equal(m.fields.routingKey, 'hooks.invoice.paid');
    assert.equal(m.properties.messageId, id);
    assert.equal(m.properties.headers?.['x-request-id'], `r${n}`);
    assert.deepEqual(verify(m.content, m.properties.headers ?? {}), JSON.parse(body));
    const [attempt] = (
      (await (await gw.api(`/app/toRabbit/attempt/msg/${id}`)).json()) as { data: Array<{ response: string; responseStatusCode: number }> }
    ).data;
    assert.match(attempt?.response ?? '', /confirmed by RabbitMQ/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rabbit.messages.length, 1, 'exactly once');
  });

  test('NATS JetStream: acked publish with Nats-Msg-Id = the message id, headers verify', async () => {
    const { id, body } = await send('nats', { amount: 2 });
    const got = await eventually(
      async () => {
        const all = await nats.read();
        return all.length >= 1 ? all : undefined;
      },
      15_000,
      'the JetStream message',
    );
    assert.equal(got.length, 1);
    assert.equal(got[0]!.subject, `${subject}.invoice.paid`);
    assert.equal(got[0]!.headers['nats-msg-id'], id);
    assert.deepEqual(verify(got[0]!.data, got[0]!.headers), JSON.parse(body));
  });

  test('Redis Streams: XADD with the id, the bytes and the headers; the stream is capped', async () => {
    const { id, body } = await send('redis', { amount: 3 });
    const [entry] = await eventually(
      async () => ((await entries(stream)).length > 0 ? entries(stream) : undefined),
      15_000,
      'the stream entry',
    );
    assert.equal(entry?.id, id);
    assert.equal(entry?.body, body);
    assert.deepEqual(verify(entry!.body!, JSON.parse(entry!.headers!)), JSON.parse(body));
    assert.equal((await gw.api('/app/toRedis/endpoint/s')).status, 200);
  });

  test('FIFO per ordering key holds on a broker endpoint', async () => {
    for (let seq = 1; seq <= 8; seq++) await send('ordered', { key: seq % 2 ? 'a' : 'b', seq });
    const got = await eventually(
      async () => {
        const all = await entries(fifoStream);
        return all.length >= 8 ? all : undefined;
      },
      20_000,
      'eight ordered entries',
    );
    const seqOf = (key: string) =>
      got
        .map((e) => JSON.parse(e.body!))
        .filter((p) => p.key === key)
        .map((p) => p.seq);
    assert.deepEqual(seqOf('a'), [1, 3, 5, 7]);
    assert.deepEqual(seqOf('b'), [2, 4, 6, 8]);
  });

  test('a broker cut off mid-stream: attempts fail and retry, everything arrives once it is back', async () => {
    await proxy.down();
    const sent: Array<{ id: string; body: string }> = [];
    for (let i = 0; i < 3; i++) sent.push(await send('outage', { i }));
    const failed = await eventually(
      async () => {
        const list = ((await (await gw.api(`/app/outage/attempt/msg/${sent[0]!.id}`)).json()) as { data: Array<{ error: string | null }> })
          .data;
        return list.length > 0 ? list : undefined;
      },
      15_000,
      'a failed attempt',
    );
    assert.ok(failed[0]?.error, 'the failure is recorded');
    await proxy.up();
    const got = await eventually(
      async () => {
        const all = await entries(outageStream);
        return all.length >= 3 ? all : undefined;
      },
      30_000,
      'all three after the broker is back',
    );
    assert.deepEqual(got.map((e) => e.id).sort(), sent.map((s) => s.id).sort());
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await entries(outageStream)).length, 3, 'once each');
  });

  test('config: a broker endpoint names a known connection of its type; credentials never reach the API', async () => {
    const ep = (await (await gw.api('/app/toRabbit/endpoint/q')).json()) as { url: string; type: string };
    assert.equal(ep.type, 'rabbitmq');
    assert.equal(ep.url, `rabbitmq://rabbit/${exchange}?routingKey=hooks.%7BeventType%7D`);
    assert.doesNotMatch(JSON.stringify(ep), /guest/);
    const viaApi = await gw.api('/app/toRabbit/endpoint', { method: 'POST', body: JSON.stringify({ url: 'rabbitmq://rabbit/other' }) });
    assert.equal(viaApi.status, 422);
  });
});
