import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';

interface Page {
  data: Array<Record<string, unknown>>;
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

describe('API: schema checks on message create, ordering fields, messages of an endpoint', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const receiver = new Receiver();
  before(async () => {
    await receiver.start();
    gw = await startTestGateway(`
applications:
  shop:
    endpoints:
      - { id: orders, url: "${receiver.url}", filterTypes: ["order.*"] }
      - { id: all, url: "${receiver.url}" }
`);
  });
  after(async () => {
    await gw.stop();
    await receiver.stop();
  });

  const send = (body: unknown) => gw.api('/app/shop/msg', { method: 'POST', body: JSON.stringify(body) });

  test('a payload that fails its event type schema is refused with 422 naming each path; a fixed one is accepted', async () => {
    const created = await gw.api('/event-type', {
      method: 'POST',
      body: JSON.stringify({
        name: 'order.placed',
        description: 'an order',
        schemas: {
          1: {
            type: 'object',
            required: ['amount', 'currency'],
            properties: { amount: { type: 'integer' }, currency: { type: 'string' } },
          },
        },
      }),
    });
    assert.equal(created.status, 201);
    const bad = await send({ eventType: 'order.placed', payload: { amount: 'ten' } });
    assert.equal(bad.status, 422);
    const error = (await bad.json()) as { code: string; detail: string };
    assert.equal(error.code, 'validation');
    assert.match(error.detail, /payload\.amount/);
    assert.match(error.detail, /currency/);
    assert.equal(((await (await gw.api('/app/shop/msg')).json()) as Page).data.length, 0, 'nothing stored');
    const good = await send({ eventType: 'order.placed', payload: { amount: 10, currency: 'EUR' } });
    assert.equal(good.status, 202);
  });

  test('orderingKey and sequence are stored with an API message', async () => {
    const res = await send({ eventType: 'order.shipped', payload: { id: 'o1' }, orderingKey: 'order-o1', sequence: 7 });
    assert.equal(res.status, 202);
    const out = (await res.json()) as { id: string; orderingKey: string; sequence: number };
    assert.equal(out.orderingKey, 'order-o1');
    assert.equal(out.sequence, 7);
    const wrong = await send({ eventType: 'order.shipped', payload: {}, sequence: -1 });
    assert.equal(wrong.status, 422);
    assert.match(((await wrong.json()) as { detail: string }).detail, /sequence/);
  });

  test('GET /app/{app}/endpoint/{endpoint}/msg lists what the endpoint was sent, newest first, paged', async () => {
    await send({ eventType: 'user.created', payload: { u: 1 } });
    // order.placed, order.shipped and user.created went to `all`; only the order.* ones to `orders`.
    await eventually(async () => {
      const page = (await (await gw.api('/app/shop/endpoint/all/msg')).json()) as Page;
      return page.data.length === 3 && page.data.every((m) => m.state === 'succeeded') ? page : undefined;
    });
    const orders = (await (await gw.api('/app/shop/endpoint/orders/msg')).json()) as Page;
    assert.deepEqual(
      orders.data.map((m) => m.eventType),
      ['order.shipped', 'order.placed'],
    );
    assert.equal(orders.data[0]?.status, 0);
    const first = (await (await gw.api('/app/shop/endpoint/all/msg?limit=2')).json()) as Page;
    assert.equal(first.done, false);
    const second = (await (await gw.api(`/app/shop/endpoint/all/msg?limit=2&iterator=${first.iterator}`)).json()) as Page;
    assert.equal(second.data.length, 1);
    assert.equal(second.done, true);
    assert.equal((await gw.api('/app/shop/endpoint/nope/msg')).status, 404);
    assert.equal((await gw.api('/app/shop/endpoint/all/msg?limit=0')).status, 422);
  });

  test('list filters: messages by channel; attempts by status, event type, channel and time', async () => {
    const eu = await send({ eventType: 'user.moved', payload: { to: 'eu' }, channels: ['eu', 'all'] });
    assert.equal(eu.status, 202);
    await send({ eventType: 'user.moved', payload: { to: 'us' }, channels: ['us'] });
    const inEu = (await (await gw.api('/app/shop/msg?channel=eu')).json()) as Page;
    assert.deepEqual(
      inEu.data.map((m) => (m.payload as { to: string }).to),
      ['eu'],
    );
    await eventually(async () => {
      const page = (await (await gw.api('/app/shop/attempt/endpoint/all?limit=250')).json()) as Page;
      return page.data.length === 5 ? page : undefined;
    });
    const count = async (query: string) => ((await (await gw.api(`/app/shop/attempt/endpoint/all?${query}`)).json()) as Page).data.length;
    assert.equal(await count('status=0'), 5, 'every attempt succeeded');
    assert.equal(await count('status=2'), 0);
    assert.equal(await count('status=1'), 0, 'an attempt is never pending');
    assert.equal(await count('eventTypes=user.moved'), 2);
    assert.equal(await count('channel=us'), 1);
    assert.equal(await count('eventTypes=user.moved&channel=all'), 1);
    assert.equal(await count(`after=${new Date(Date.now() + 60_000).toISOString()}`), 0);
    assert.equal(await count(`before=${new Date(Date.now() + 60_000).toISOString()}`), 5);
    assert.equal((await gw.api('/app/shop/attempt/endpoint/all?status=7')).status, 422);
    assert.equal((await gw.api('/app/shop/attempt/endpoint/all?before=soon')).status, 422);
  });
});
