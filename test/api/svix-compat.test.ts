import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { ApiException, Svix, Webhook as SvixWebhook } from 'svix';
import { API_TOKEN, eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver, type Received } from '../helpers/receiver.ts';

/** Verifies one delivery with both official libraries; throws when either refuses it. */
function verifyBoth(secret: string, r: Received): Record<string, unknown> {
  const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)]));
  const body = r.body.toString('utf8');
  const viaSvix = new SvixWebhook(secret).verify(body, headers) as Record<string, unknown>;
  const viaStandard = new StandardWebhook(secret).verify(body, headers) as Record<string, unknown>;
  assert.deepEqual(viaSvix, viaStandard);
  return viaSvix;
}

describe('outbound API with the official svix client', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let svix: Svix;
  const invoices = new Receiver();
  const users = new Receiver();

  before(async () => {
    await invoices.start();
    await users.start();
    gw = await startTestGateway('delivery: { retry: [100ms], pollInterval: 50ms }\n', { logLevel: 'warn' });
    svix = new Svix(API_TOKEN, { serverUrl: gw.url, retryScheduleInMs: [] });
  });
  after(async () => {
    await gw?.stop();
    await invoices.stop();
    await users.stop();
  });

  test('applications, event types, endpoints, fan-out, signatures, attempts, resend, recover, rotation', async () => {
    const app = await svix.application.getOrCreate({ name: 'Shop', uid: 'shop' });
    const again = await svix.application.getOrCreate({ name: 'Shop', uid: 'shop' });
    assert.equal(again.id, app.id);
    assert.equal((await svix.application.get('shop')).id, app.id);
    await assert.rejects(svix.application.create({ name: 'Dup', uid: 'shop' }), (e: ApiException<unknown>) => e.code === 409);

    await svix.eventType.create({ name: 'invoice.paid', description: 'An invoice was paid', schemas: { 1: { type: 'object' } } });
    await svix.eventType.create({ name: 'user.created', description: 'A user signed up' });
    const types = await svix.eventType.list();
    assert.deepEqual(types.data.map((t) => t.name), ['invoice.paid', 'user.created']);

    const a = await svix.endpoint.create('shop', { url: invoices.url, uid: 'invoices', filterTypes: ['invoice.*'] });
    const b = await svix.endpoint.create('shop', { url: users.url, uid: 'users', filterTypes: ['user.created'], channels: ['eu'] });
    assert.equal((await svix.endpoint.get('shop', 'invoices')).id, a.id);
    const secretA = (await svix.endpoint.getSecret('shop', 'invoices')).key;
    const secretB = (await svix.endpoint.getSecret(app.id, b.id)).key;
    assert.match(secretA, /^whsec_/);
    assert.notEqual(secretA, secretB);

    const paid = await svix.message.create('shop', { eventType: 'invoice.paid', payload: { invoice: 1 } });
    await svix.message.create('shop', { eventType: 'user.created', payload: { user: 'x' }, channels: ['us'] });
    const signup = await svix.message.create('shop', { eventType: 'user.created', payload: { user: 'y' }, channels: ['eu'] });
    await invoices.waitFor(1);
    await users.waitFor(1);
    assert.deepEqual(verifyBoth(secretA, invoices.requests[0]!), { invoice: 1 });
    assert.deepEqual(verifyBoth(secretB, users.requests[0]!), { user: 'y' });
    assert.equal(invoices.requests[0]!.headers['webhook-id'], paid.id);
    assert.equal(users.requests[0]!.headers['webhook-id'], signup.id);

    const attempts = await eventually(async () => {
      const page = await svix.messageAttempt.listByEndpoint('shop', 'invoices');
      return page.data.length === 1 ? page : undefined;
    });
    assert.equal(attempts.data[0]!.msgId, paid.id);
    assert.equal(attempts.data[0]!.responseStatusCode, 200);

    await svix.messageAttempt.resend('shop', paid.id, 'invoices');
    await invoices.waitFor(2);
    assert.deepEqual(verifyBoth(secretA, invoices.requests[1]!), { invoice: 1 });

    // A failing endpoint exhausts its (short) schedule; recover sends what failed once it is back.
    users.respond(() => ({ status: 500 }));
    const lost = await svix.message.create('shop', { eventType: 'user.created', payload: { user: 'z' }, channels: ['eu'] });
    await users.waitFor(3);
    await eventually(async () => ((await svix.endpoint.getStats('shop', 'users')).fail === 1 ? true : undefined));
    users.respond(() => ({ status: 200 }));
    await svix.endpoint.recover('shop', 'users', { since: new Date(Date.now() - 60_000) });
    await users.waitFor(4);
    assert.equal(users.requests[3]!.headers['webhook-id'], lost.id);
    assert.deepEqual(verifyBoth(secretB, users.requests[3]!), { user: 'z' });

    // Rotation: during the grace period both the old and the new secret verify the same delivery.
    await svix.endpoint.rotateSecret('shop', 'invoices', {});
    const secretA2 = (await svix.endpoint.getSecret('shop', 'invoices')).key;
    assert.notEqual(secretA2, secretA);
    await svix.message.create('shop', { eventType: 'invoice.paid', payload: { invoice: 2 } });
    await invoices.waitFor(3);
    const rotated = invoices.requests[2]!;
    assert.equal(String(rotated.headers['webhook-signature']).split(' ').length, 2);
    assert.deepEqual(verifyBoth(secretA, rotated), { invoice: 2 });
    assert.deepEqual(verifyBoth(secretA2, rotated), { invoice: 2 });
  });

  test('idempotency keys replay the first answer; a duplicate eventId is 409', async () => {
    await svix.application.getOrCreate({ name: 'Idem', uid: 'idem' });
    const first = await svix.message.create('idem', { eventType: 'x.y', payload: { n: 1 } }, { idempotencyKey: 'key-1' });
    const second = await svix.message.create('idem', { eventType: 'x.y', payload: { n: 2 } }, { idempotencyKey: 'key-1' });
    assert.equal(second.id, first.id);
    assert.deepEqual((await svix.message.get('idem', first.id)).payload, { n: 1 });
    const raw = await gw.api('/app/idem/msg', { method: 'POST', body: JSON.stringify({ eventType: 'x.y', payload: {} }), headers: { 'idempotency-key': 'key-1' } });
    assert.equal(raw.headers.get('idempotent-replayed'), 'true');
    const list = await svix.message.list('idem');
    assert.equal(list.data.length, 1);
    const elsewhere = await gw.api('/app', { method: 'POST', body: JSON.stringify({ name: 'x' }), headers: { 'idempotency-key': 'key-1' } });
    assert.equal(elsewhere.status, 422);

    await svix.message.create('idem', { eventType: 'x.y', eventId: 'evt-1', payload: { n: 3 } });
    await assert.rejects(
      svix.message.create('idem', { eventType: 'x.y', eventId: 'evt-1', payload: { n: 4 } }),
      (e: ApiException<{ code: string }>) => e.code === 409 && e.body.code === 'conflict',
    );
  });

  test('pagination across 250 messages, forwards and back', async () => {
    await svix.application.getOrCreate({ name: 'Many', uid: 'many' });
    const made: string[] = [];
    for (let i = 0; i < 250; i += 25) {
      const batch = await Promise.all(Array.from({ length: 25 }, (_, j) => svix.message.create('many', { eventType: 'bulk.item', payload: { i: i + j } })));
      made.push(...batch.map((m) => m.id));
    }
    const seen: string[] = [];
    let iterator: string | null | undefined;
    let pages = 0;
    for (;;) {
      const page = await svix.message.list('many', { limit: 100, ...(iterator ? { iterator } : {}) });
      seen.push(...page.data.map((m) => m.id));
      pages++;
      if (page.done) break;
      iterator = page.iterator;
      assert.ok(pages < 10, 'pagination must end');
    }
    assert.equal(pages, 3);
    assert.deepEqual([...seen].sort(), [...made].sort());
    assert.equal(new Set(seen).size, 250);
    const second = await svix.message.list('many', { limit: 100, iterator: seen[99]! });
    const back = await svix.message.list('many', { limit: 100, iterator: second.prevIterator! });
    assert.deepEqual(back.data.map((m) => m.id), seen.slice(0, 100).slice(-back.data.length));
  });
});
