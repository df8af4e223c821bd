import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import * as svix1 from 'svix';
import * as svix2 from 'svix2';
import { API_TOKEN, eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver, type Received } from '../helpers/receiver.ts';

type Svix = svix1.Svix;
type ApiException<T> = svix1.ApiException<T>;

/** Verifies one delivery with both svix versions and standardwebhooks; throws when any refuses it. */
function verifyAll(secret: string, r: Received): Record<string, unknown> {
  const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)]));
  const body = r.body.toString('utf8');
  const viaSvix = new svix1.Webhook(secret).verify(body, headers) as Record<string, unknown>;
  // 2.x only throws or not: it returns nothing and leaves parsing to the caller.
  new svix2.Webhook(secret).verify(body, headers);
  const viaStandard = new StandardWebhook(secret).verify(body, headers) as Record<string, unknown>;
  assert.deepEqual(viaSvix, viaStandard);
  return viaSvix;
}

/**
 * The two clients differ in names only where 2.x renamed a field: `filterTypes`
 * became `eventTypes`. The scenario speaks 1.x's types; the 2.x client is the
 * same calls on the wire, so it runs under the same code with its own names.
 */
const clients = [
  {
    label: 'svix 1.x',
    make: (url: string): Svix => new svix1.Svix(API_TOKEN, { serverUrl: url, retryScheduleInMs: [] }),
    filter: 'filterTypes',
    put: 'update',
  },
  {
    label: 'svix 2.x',
    make: (url: string): Svix => new svix2.Svix(API_TOKEN, { serverUrl: url, retryScheduleInMs: [] }) as unknown as Svix,
    filter: 'eventTypes',
    put: 'upsert',
  },
] as const;

type Loose = Record<string, unknown>;

for (const client of clients)
  describe(`outbound API with the official ${client.label} client`, () => {
    let gw: Awaited<ReturnType<typeof startTestGateway>>;
    let svix: Svix;
    const types = (names: string[]): { filterTypes: string[] } => ({ [client.filter]: names }) as { filterTypes: string[] };
    // 2.x leaves the payload out of message.get unless asked; 1.x takes no options and always sends it.
    const getMessage = (app: string, id: string): Promise<svix1.MessageOut> =>
      (svix.message.get as (a: string, m: string, o: { withContent: boolean }) => Promise<svix1.MessageOut>).call(svix.message, app, id, {
        withContent: true,
      });
    const putEndpoint = (app: string, id: string, body: Loose): Promise<svix1.EndpointOut> =>
      (svix.endpoint as unknown as Record<string, (a: string, e: string, b: Loose) => Promise<svix1.EndpointOut>>)[client.put]!.call(
        svix.endpoint,
        app,
        id,
        body,
      );
    const invoices = new Receiver();
    const users = new Receiver();

    before(async () => {
      await invoices.start();
      await users.start();
      gw = await startTestGateway('delivery: { retry: [100ms], pollInterval: 50ms }\n', { logLevel: 'warn' });
      svix = client.make(gw.url);
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
      const listed = await svix.eventType.list();
      assert.deepEqual(
        listed.data.map((t) => t.name),
        ['invoice.paid', 'user.created'],
      );

      const a = await svix.endpoint.create('shop', { url: invoices.url, uid: 'invoices', ...types(['invoice.*']) });
      const b = await svix.endpoint.create('shop', { url: users.url, uid: 'users', ...types(['user.created']), channels: ['eu'] });
      const got = await svix.endpoint.get('shop', 'invoices');
      assert.equal(got.id, a.id);
      assert.deepEqual((got as unknown as Record<string, unknown>)[client.filter], ['invoice.*']);
      const secretA = (await svix.endpoint.getSecret('shop', 'invoices')).key;
      const secretB = (await svix.endpoint.getSecret(app.id, b.id)).key;
      assert.match(secretA, /^whsec_/);
      assert.notEqual(secretA, secretB);

      const paid = await svix.message.create('shop', { eventType: 'invoice.paid', payload: { invoice: 1 } });
      await svix.message.create('shop', { eventType: 'user.created', payload: { user: 'x' }, channels: ['us'] });
      const signup = await svix.message.create('shop', { eventType: 'user.created', payload: { user: 'y' }, channels: ['eu'] });
      await invoices.waitFor(1);
      await users.waitFor(1);
      assert.deepEqual(verifyAll(secretA, invoices.requests[0]!), { invoice: 1 });
      assert.deepEqual(verifyAll(secretB, users.requests[0]!), { user: 'y' });
      assert.equal(invoices.requests[0]!.headers['webhook-id'], paid.id);
      assert.equal(users.requests[0]!.headers['webhook-id'], signup.id);

      const attempts = await eventually(async () => {
        const page = await svix.messageAttempt.listByEndpoint('shop', 'invoices');
        return page.data.length === 1 ? page : undefined;
      });
      assert.equal(attempts.data[0]!.msgId, paid.id);
      assert.equal(attempts.data[0]!.responseStatusCode, 200);
      assert.equal((attempts.data[0] as unknown as Loose).statusText, 'success');
      const byMsg = await svix.messageAttempt.listByMsg('shop', paid.id, { withContent: true });
      assert.deepEqual(
        byMsg.data.map((x) => [x.endpointId, (x as unknown as Loose).statusText]),
        [[a.id, 'success']],
      );
      const onlyUsers = await svix.messageAttempt.listByMsg('shop', paid.id, { endpointId: 'users' } as never);
      assert.equal(onlyUsers.data.length, 0);
      const clientErrors = await svix.messageAttempt.listByEndpoint('shop', 'invoices', { statusCodeClass: 400 } as never);
      assert.equal(clientErrors.data.length, 0);
      const destinations = await svix.messageAttempt.listAttemptedDestinations('shop', paid.id);
      assert.equal(destinations.data.length, 1);
      const dest = destinations.data[0] as unknown as Loose;
      assert.equal(dest.id, a.id);
      assert.equal(dest.statusText, 'success');
      assert.equal(dest.description, '');
      assert.ok(!Number.isNaN(new Date(dest.createdAt as string).getTime()) && !Number.isNaN(new Date(dest.updatedAt as string).getTime()));
      const sent = await svix.messageAttempt.listAttemptedMessages('shop', 'invoices', { withContent: false } as never);
      assert.deepEqual(
        sent.data.map((m) => [m.id, (m as unknown as Loose).statusText, m.payload]),
        [[paid.id, 'success', {}]],
      );
      const listedBare = await svix.message.list('shop', { withContent: false } as never);
      assert.ok(listedBare.data.every((m) => typeof m.payload === 'object' && Object.keys(m.payload as object).length === 0));
      const stats = await svix.endpoint.getStats('shop', 'invoices');
      assert.deepEqual(stats, { success: 1, pending: 0, sending: 0, fail: 0, canceled: 0 });

      // PATCH and PUT with the version's own field name change the filter; PUT resets what it does not name.
      const patched = await svix.endpoint.patch('shop', 'users', { ...types(['user.created', 'user.deleted']) });
      assert.deepEqual((patched as unknown as Loose)[client.filter], ['user.created', 'user.deleted']);
      const put = await putEndpoint('shop', 'users', { url: users.url, uid: 'users', ...types(['user.created']), channels: ['eu'] });
      assert.deepEqual((put as unknown as Loose)[client.filter], ['user.created']);
      assert.equal(put.description, '');

      await svix.messageAttempt.resend('shop', paid.id, 'invoices');
      await invoices.waitFor(2);
      assert.deepEqual(verifyAll(secretA, invoices.requests[1]!), { invoice: 1 });

      // A failing endpoint exhausts its (short) schedule; recover sends what failed once it is back.
      users.respond(() => ({ status: 500 }));
      const lost = await svix.message.create('shop', { eventType: 'user.created', payload: { user: 'z' }, channels: ['eu'] });
      await users.waitFor(3);
      await eventually(async () => ((await svix.endpoint.getStats('shop', 'users')).fail === 1 ? true : undefined));
      users.respond(() => ({ status: 200 }));
      await svix.endpoint.recover('shop', 'users', { since: new Date(Date.now() - 60_000) });
      await users.waitFor(4);
      assert.equal(users.requests[3]!.headers['webhook-id'], lost.id);
      assert.deepEqual(verifyAll(secretB, users.requests[3]!), { user: 'z' });

      // Rotation: during the grace period both the old and the new secret verify the same delivery.
      await svix.endpoint.rotateSecret('shop', 'invoices', {});
      const secretA2 = (await svix.endpoint.getSecret('shop', 'invoices')).key;
      assert.notEqual(secretA2, secretA);
      await svix.message.create('shop', { eventType: 'invoice.paid', payload: { invoice: 2 } });
      await invoices.waitFor(3);
      const rotated = invoices.requests[2]!;
      assert.equal(String(rotated.headers['webhook-signature']).split(' ').length, 2);
      assert.deepEqual(verifyAll(secretA, rotated), { invoice: 2 });
      assert.deepEqual(verifyAll(secretA2, rotated), { invoice: 2 });
    });

    test('idempotency keys replay the first answer; a duplicate eventId is 409', async () => {
      await svix.application.getOrCreate({ name: 'Idem', uid: 'idem' });
      const first = await svix.message.create('idem', { eventType: 'x.y', payload: { n: 1 } }, { idempotencyKey: 'key-1' });
      const second = await svix.message.create('idem', { eventType: 'x.y', payload: { n: 2 } }, { idempotencyKey: 'key-1' });
      assert.equal(second.id, first.id);
      assert.deepEqual((await getMessage('idem', first.id)).payload, { n: 1 });
      const raw = await gw.api('/app/idem/msg', {
        method: 'POST',
        body: JSON.stringify({ eventType: 'x.y', payload: {} }),
        headers: { 'idempotency-key': 'key-1' },
      });
      assert.equal(raw.headers.get('idempotent-replayed'), 'true');
      const list = await svix.message.list('idem');
      assert.equal(list.data.length, 1);
      const elsewhere = await gw.api('/app', {
        method: 'POST',
        body: JSON.stringify({ name: 'x' }),
        headers: { 'idempotency-key': 'key-1' },
      });
      assert.equal(elsewhere.status, 422);

      const byEvent = await svix.message.create('idem', { eventType: 'x.y', eventId: 'evt-1', payload: { n: 3 } });
      // Svix resolves {msg_id} by id or by eventId.
      const found = await getMessage('idem', 'evt-1');
      assert.equal(found.id, byEvent.id);
      assert.deepEqual(found.payload, { n: 3 });
      await assert.rejects(getMessage('idem', 'evt-unknown'), (e: ApiException<unknown>) => e.code === 404);
      await assert.rejects(
        svix.message.create('idem', { eventType: 'x.y', eventId: 'evt-1', payload: { n: 4 } }),
        (e: ApiException<{ code: string }>) => e.code === 409 && e.body.code === 'conflict',
      );
    });

    test('pagination across 250 messages, forwards and back', async () => {
      await svix.application.getOrCreate({ name: 'Many', uid: 'many' });
      const made: string[] = [];
      for (let i = 0; i < 250; i += 25) {
        const batch = await Promise.all(
          Array.from({ length: 25 }, (_, j) => svix.message.create('many', { eventType: 'bulk.item', payload: { i: i + j } })),
        );
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
      assert.deepEqual(
        back.data.map((m) => m.id),
        seen.slice(0, 100).slice(-back.data.length),
      );
    });
  });

describe('routes only svix 2.x calls', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let svix: svix2.Svix;
  const hooks = new Receiver();

  before(async () => {
    await hooks.start();
    gw = await startTestGateway('delivery: { retry: [100ms], pollInterval: 50ms }\n', { logLevel: 'warn' });
    svix = new svix2.Svix(API_TOKEN, { serverUrl: gw.url, retryScheduleInMs: [] });
  });
  after(async () => {
    await gw?.stop();
    await hooks.stop();
  });

  test('precheck, replay-missing, logout, integrations as a feature that is off, every field 2.x sends', async () => {
    await svix.application.getOrCreate({ name: 'Two', uid: 'two' });
    assert.deepEqual(await svix.message.precheck('two', { eventType: 'order.paid' }), { active: false });

    // Messages before the endpoint existed never reached it: replay-missing sends those it routes to, once.
    const early = await svix.message.create('two', { eventType: 'order.paid', payload: { n: 1 }, tags: ['t1'] });
    await svix.message.create('two', { eventType: 'order.refunded', payload: { n: 2 } });
    const ep = await svix.endpoint.create('two', {
      url: hooks.url,
      uid: 'orders',
      eventTypes: ['order.paid'],
      headers: null,
      description: 'orders',
      metadata: { team: 'a' },
      throttleRate: null,
    });
    assert.deepEqual(ep.eventTypes, ['order.paid']);
    assert.deepEqual(await svix.message.precheck('two', { eventType: 'order.paid' }), { active: true });
    assert.deepEqual(await svix.message.precheck('two', { eventType: 'order.refunded', channels: ['x'] }), { active: false });
    const replay = await svix.endpoint.replayMissing('two', 'orders', { since: new Date(Date.now() - 60_000) });
    assert.equal(replay.status, 'finished');
    await hooks.waitFor(1);
    assert.equal(hooks.requests[0]!.headers['webhook-id'], early.id);
    verifyAll((await svix.endpoint.getSecret('two', 'orders')).key, hooks.requests[0]!);
    const again = await gw.api('/app/two/endpoint/orders/replay-missing', {
      method: 'POST',
      body: JSON.stringify({ since: new Date(Date.now() - 60_000).toISOString() }),
    });
    assert.equal(((await again.json()) as Loose).queued, 0);
    const badWindow = await gw.api('/app/two/endpoint/orders/replay-missing', {
      method: 'POST',
      body: JSON.stringify({ since: new Date().toISOString(), until: new Date(Date.now() - 1000).toISOString() }),
    });
    assert.equal(badWindow.status, 422);

    // Header removal by name (2.x's deleteHeaders) and the fields 2.x adds to a message.
    await svix.endpoint.setHeaders('two', 'orders', { headers: { 'x-a': '1', 'x-b': '2' } });
    await svix.endpoint.patchHeaders('two', 'orders', { headers: {}, deleteHeaders: ['x-a'] });
    assert.deepEqual((await svix.endpoint.getHeaders('two', 'orders')).headers, { 'x-b': '2' });
    const later = await svix.message.create('two', {
      eventType: 'order.paid',
      payload: { n: 3 },
      deliverAt: new Date(Date.now() + 1500),
      transformationsParams: null,
    });
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(hooks.requests.length, 1, 'a message with deliverAt is not sent before it');
    await hooks.waitFor(2);
    assert.equal(hooks.requests[1]!.headers['webhook-id'], later.id);
    assert.equal((await svix.message.list('two', { tag: 't1' })).data.length, 0, 'tags are not kept, so a tag filter matches nothing');

    // Bulk replay: what the endpoint was sent in the window, again, narrowed by status and response class.
    await eventually(async () => ((await svix.endpoint.getStats('two', 'orders')).success === 2 ? true : undefined));
    const none = await gw.api('/app/two/endpoint/orders/bulk-replay', {
      method: 'POST',
      body: JSON.stringify({ since: new Date(Date.now() - 60_000).toISOString(), statusCodeClass: 500 }),
    });
    assert.equal(((await none.json()) as Loose).queued, 0);
    const bulk = await svix.endpoint.bulkReplay('two', 'orders', {
      since: new Date(Date.now() - 60_000),
      eventTypes: ['order.paid'],
      status: svix2.MessageStatus.Success,
      statusCodeClass: svix2.StatusCodeClass.Code2xx,
    });
    assert.equal(bulk.status, 'finished');
    await hooks.waitFor(4);
    assert.deepEqual(
      hooks.requests
        .slice(2)
        .map((r) => r.headers['webhook-id'])
        .sort(),
      [early.id, later.id].sort(),
    );
    const types = await svix.eventType.create({
      name: 'order.paid',
      description: 'paid',
      featureFlags: ['beta'],
      schemas: { 1: { type: 'object' } },
    });
    assert.deepEqual(types.featureFlags, ['beta']);
    const apps = await svix.application.list({ excludeAppsWithNoEndpoints: true, excludeAppsWithDisabledEndpoints: true });
    assert.deepEqual(
      apps.data.map((x) => x.uid),
      ['two'],
    );

    assert.deepEqual((await svix.integration.list('two')).data, []);
    await assert.rejects(
      svix.integration.create('two', { name: 'zapier' }),
      (e: svix2.ApiException<{ code: string }>) => e.code === 403 && e.body.code === 'feature_not_enabled',
    );
    await assert.rejects(svix.integration.get('two', 'integ_1'), (e: svix2.ApiException<unknown>) => e.code === 404);
    await assert.rejects(svix.integration.rotateKey('two', 'integ_1'), (e: svix2.ApiException<unknown>) => e.code === 404);

    // Logout ends an app-portal token; the API token cannot be logged out.
    const { token } = await svix.authentication.appPortalAccess('two', {});
    const portal = new svix2.Svix(token, { serverUrl: gw.url, retryScheduleInMs: [] });
    assert.equal((await portal.endpoint.list('two')).data.length, 1);
    await portal.authentication.logout();
    await assert.rejects(portal.endpoint.list('two'), (e: svix2.ApiException<unknown>) => e.code === 401);
    await assert.rejects(svix.authentication.logout(), (e: svix2.ApiException<unknown>) => e.code === 403);
  });
});
