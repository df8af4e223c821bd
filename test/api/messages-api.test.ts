import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API_TOKEN, eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { hmacHex } from '../helpers/signing.ts';

interface Page {
  data: Array<Record<string, unknown>>;
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

describe('API: messages, deliveries, attempts, replay', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const receiver = new Receiver();
  const ids: string[] = [];
  before(async () => {
    await receiver.start();
    gw = await startTestGateway(`
applications:
  shop:
    endpoints:
      - { id: all, url: "${receiver.url}" }
      - { id: orders, url: "${receiver.url}", filterTypes: ["order.*"] }
sources:
  a: { provider: hmac, secret: s, header: X-S, eventType: body:$.type, idempotencyKey: body:$.id, application: shop }
  b: { provider: hmac, secret: s, header: X-S, eventType: body:$.type, application: shop }
`);
    for (let i = 0; i < 7; i++) {
      const body = JSON.stringify({ id: `e${i}`, type: i % 2 ? 'order.created' : 'customer.updated', n: i });
      const res = await fetch(`${gw.url}/in/${i < 5 ? 'a' : 'b'}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-s': hmacHex('s', body) },
      });
      ids.push(((await res.json()) as { id: string }).id);
    }
    // 7 messages; 3 are order.* → 7 + 3 deliveries.
    await receiver.waitFor(10);
  });
  after(async () => {
    await gw.stop();
    await receiver.stop();
  });

  const get = async (path: string) => {
    const res = await gw.api(path);
    return { status: res.status, body: (await res.json()) as Page & Record<string, unknown> };
  };

  test('without the bearer token: 401 in the Svix error shape', async () => {
    const none = await fetch(`${gw.url}/api/v1/app/shop/msg`);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { code: string }).code, 'authentication_failed');
    const wrong = await fetch(`${gw.url}/api/v1/app/shop/msg`, { headers: { authorization: `Bearer ${API_TOKEN}x` } });
    assert.equal(wrong.status, 401);
    assert.equal((await fetch(`${gw.url}/api/v1/health`)).status, 204);
  });

  test('list: newest first, filters by source, event type and state', async () => {
    const all = await get('/app/shop/msg');
    assert.equal(all.status, 200);
    assert.deepEqual(
      all.body.data.map((m) => m.id),
      [...ids].reverse(),
    );
    assert.equal(all.body.done, true);
    assert.equal((await get('/app/shop/msg?source=b')).body.data.length, 2);
    const orders = await get('/app/shop/msg?eventTypes=order.created');
    assert.deepEqual(
      orders.body.data.map((m) => m.eventType),
      ['order.created', 'order.created', 'order.created'],
    );
    assert.equal((await get('/app/shop/msg?eventTypes=order.created&eventTypes=customer.updated')).body.data.length, 7);
    assert.equal((await get('/app/shop/msg?status=invalid')).body.data.length, 0);
    // Without content the payload is `{}`, as Svix answers (2.x's MessageOut requires the field).
    assert.deepEqual((await get('/app/shop/msg?withContent=false')).body.data[0]?.payload, {});
  });

  test('list: time range', async () => {
    const future = new Date(Date.now() + 60_000).toISOString();
    assert.equal((await get(`/app/shop/msg?after=${future}`)).body.data.length, 0);
    assert.equal((await get(`/app/shop/msg?before=${future}`)).body.data.length, 7);
  });

  test('cursor pagination forwards and back', async () => {
    const first = await get('/app/shop/msg?limit=3');
    assert.equal(first.body.data.length, 3);
    assert.equal(first.body.done, false);
    const second = await get(`/app/shop/msg?limit=3&iterator=${first.body.iterator}`);
    const third = await get(`/app/shop/msg?limit=3&iterator=${second.body.iterator}`);
    assert.equal(third.body.data.length, 1);
    assert.equal(third.body.done, true);
    const seen = [...first.body.data, ...second.body.data, ...third.body.data].map((m) => m.id);
    assert.deepEqual(seen, [...ids].reverse());
    const back = await get(`/app/shop/msg?limit=3&iterator=${encodeURIComponent(String(second.body.prevIterator))}`);
    assert.deepEqual(
      back.body.data.map((m) => m.id),
      first.body.data.map((m) => m.id),
    );
  });

  test('a message, its deliveries and attempts; the application by id or uid', async () => {
    const id = ids[1] as string; // order.created: both endpoints
    const msg = await get(`/app/shop/msg/${id}`);
    assert.equal(msg.body.eventType, 'order.created');
    assert.deepEqual(msg.body.payload, { id: 'e1', type: 'order.created', n: 1 });
    const deliveries = await eventually(async () => {
      const d = (await get(`/app/shop/msg/${id}/endpoint`)).body.data;
      return d.every((x) => x.state === 'succeeded') ? d : undefined;
    });
    assert.deepEqual(deliveries.map((d) => d.uid).sort(), ['all', 'orders']);
    const attempts = await get(`/app/shop/attempt/msg/${id}`);
    assert.equal(attempts.body.data.length, 2);
    const one = attempts.body.data[0] as { id: string; msgId: string };
    assert.equal(one.msgId, id);
    assert.equal((await get(`/app/shop/msg/${id}/attempt/${one.id}`)).body.id, one.id);
    const byEndpoint = await get('/app/shop/attempt/endpoint/orders');
    assert.equal(byEndpoint.body.data.length, 3);
  });

  test('replay to every matching endpoint, or to one; each is a manual attempt', async () => {
    const id = ids[3] as string; // order.created
    const before = receiver.requests.length;
    const res = await gw.api(`/app/shop/msg/${id}/replay`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { queued: 2 });
    await receiver.waitFor(before + 2);
    // A delivery already queued or in flight is not queued twice.
    await eventually(async () =>
      (await get(`/app/shop/msg/${id}/endpoint`)).body.data.every((d) => d.state === 'succeeded') ? true : undefined,
    );
    const one = await gw.api(`/app/shop/msg/${id}/replay`, { method: 'POST', body: JSON.stringify({ endpointId: 'orders' }) });
    assert.deepEqual(await one.json(), { queued: 1 });
    await receiver.waitFor(before + 3);
    const attempts = await eventually(async () => {
      const list = (await get(`/app/shop/attempt/msg/${id}`)).body.data;
      return list.length === 5 ? list : undefined;
    });
    assert.equal(attempts.filter((a) => a.triggerType === 1).length, 3);
  });

  test('not found and validation errors are JSON with code and detail', async () => {
    const cases: Array<[string, number, string]> = [
      ['/app/nope/msg', 404, 'not_found'],
      ['/app/shop/msg/msg_doesnotexist', 404, 'not_found'],
      ['/app/shop/msg?limit=0', 422, 'validation'],
      ['/app/shop/msg?limit=abc', 422, 'validation'],
      ['/app/shop/msg?status=happy', 422, 'validation'],
      ['/app/shop/msg?after=yesterday', 422, 'validation'],
      ['/app/shop/msg?color=red', 422, 'validation'],
      ['/app/shop/attempt/endpoint/nope', 404, 'not_found'],
      ['/app/shop/nothing/here', 404, 'not_found'],
    ];
    for (const [path, status, code] of cases) {
      const res = await gw.api(path);
      assert.equal(res.status, status, path);
      const body = (await res.json()) as { code: string; detail: string };
      assert.equal(body.code, code, path);
      assert.ok(body.detail.length > 0, path);
    }
    const limit = (await (await gw.api('/app/shop/msg?limit=0')).json()) as { detail: string };
    assert.match(limit.detail, /limit/);
    const badJson = await gw.api(`/app/shop/msg/${ids[0]}/replay`, { method: 'POST', body: '{oops' });
    assert.equal(badJson.status, 400);
    const unknownEndpoint = await gw.api(`/app/shop/msg/${ids[0]}/replay`, {
      method: 'POST',
      body: JSON.stringify({ endpointId: 'nope' }),
    });
    assert.equal(unknownEndpoint.status, 404);
  });
});
