import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { MessageState } from '../../src/store/records.ts';
import { application, endpoint, message, newSecret, stored, type StoreTarget } from './harness.ts';

/** Waits until the clock has moved past `ms`, so later messages get a later `receivedAt`. */
async function pastMs(ms: number): Promise<void> {
  for (let i = 0; i < 100 && Date.now() <= ms; i++) await new Promise((r) => setTimeout(r, 2));
}

export function ingestCases(target: StoreTarget): void {
  it('drops duplicates within a batch and across batches, per scope, until the entry expires', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      const until = Date.now() + 60_000;
      const evt = (id: string, scope = 'stripe', dedupeUntil: number | null = until) =>
        message(app.id, { eventId: id, dedupeScope: scope, dedupeUntil });
      const [one, two, other] = await store.ingest([evt('evt_1'), evt('evt_1'), evt('evt_1', 'github')]);
      const first = stored(one!);
      assert.deepEqual(two, { messageId: first.messageId, duplicate: true });
      assert.notEqual(stored(other!).messageId, first.messageId, 'another scope is another event');
      const [later] = await store.ingest([evt('evt_1')]);
      assert.deepEqual(later, { messageId: first.messageId, duplicate: true });
      assert.equal((await store.listDeliveries(app.id, first.messageId)).length, 1, 'a duplicate adds no delivery');

      // No event id, or no window: never deduplicated.
      const loose = await store.ingest([message(app.id), message(app.id), evt('evt_2', 'stripe', null), evt('evt_2', 'stripe', null)]);
      assert.equal(new Set(loose.map((o) => stored(o).messageId)).size, 4);

      // An entry whose window has passed is replaced by the next message with that id.
      const [old] = await store.ingest([evt('evt_3', 'stripe', Date.now() - 1)]);
      const [fresh] = await store.ingest([evt('evt_3')]);
      assert.notEqual(stored(fresh!).messageId, stored(old!).messageId);
      const [dup] = await store.ingest([evt('evt_3')]);
      assert.deepEqual(dup, { messageId: stored(fresh!).messageId, duplicate: true });

      // Once purged, an expired id is forgotten; live ones stay.
      const now = Date.now();
      assert.equal(await store.purgeDedupe(now), 0, 'the expired entry of evt_3 was replaced, nothing else has expired');
      await store.ingest([evt('evt_4', 'stripe', now - 10)]);
      assert.equal(await store.purgeDedupe(now), 1);
      assert.deepEqual((await store.ingest([evt('evt_1')]))[0], { messageId: first.messageId, duplicate: true });
    }));

  it('fans a message out to every enabled endpoint whose filter matches', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(
        application('shop', [
          endpoint('all'),
          endpoint('invoices', { filterTypes: ['invoice.*'] }),
          endpoint('users', { filterTypes: ['user.created'] }),
          endpoint('off', { disabled: true }),
        ]),
        newSecret,
      );
      const uidOf = new Map((await store.listEndpoints(app.id)).map((e) => [e.id, e.uid]));
      const outcomes = await store.ingest([
        message(app.id, { eventType: 'invoice.payment.failed' }),
        message(app.id, { eventType: 'user.created' }),
        message(app.id, { eventType: null }),
      ]);
      const expected = [['all', 'invoices'], ['all', 'users'], ['all']];
      for (const [i, outcome] of outcomes.entries()) {
        const { messageId, deliveries } = stored(outcome);
        const views = await store.listDeliveries(app.id, messageId);
        assert.equal(deliveries, views.length);
        assert.deepEqual(views.map((d) => uidOf.get(d.endpointId)).sort(), expected[i]);
        for (const d of views) {
          assert.equal(d.state, 'pending');
          assert.equal(d.attempts, 0);
          assert.equal(d.messageId, messageId);
          assert.equal(d.endpointUid, uidOf.get(d.endpointId));
          assert.match(d.endpointUrl, /^http:\/\/127\.0\.0\.1:9\//);
        }
      }
    }));

  it('stores invalid messages without deliveries and keeps payloads byte-exact', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      const bytes = Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x22, 0xc3, 0x28, 0x7d]);
      const [invalid, valid] = await store.ingest([
        message(app.id, { state: 'invalid', error: 'payload does not match the schema', payload: bytes }),
        message(app.id, {
          payload: bytes,
          headers: { 'x-request-id': 'r1' },
          channels: ['eu'],
          orderingKey: 'cus_1',
          sequence: 2 ** 40,
          eventId: 'e',
          dedupeUntil: null,
        }),
      ]);
      const bad = stored(invalid!);
      assert.equal(bad.deliveries, 0);
      assert.deepEqual(await store.listDeliveries(app.id, bad.messageId), []);
      const m = await store.getMessage(app.id, bad.messageId);
      assert.equal(m?.state, 'invalid');
      assert.equal(m?.error, 'payload does not match the schema');
      assert.ok(m?.payload?.equals(bytes));

      const good = await store.getMessage(app.id, stored(valid!).messageId);
      assert.ok(good?.payload?.equals(bytes));
      assert.deepEqual(good?.headers, { 'x-request-id': 'r1' });
      assert.deepEqual(good?.channels, ['eu']);
      assert.equal(good?.orderingKey, 'cus_1');
      assert.equal(good?.sequence, 2 ** 40);
      assert.equal(good?.eventId, 'e');
      assert.equal(typeof good?.receivedAt, 'number');
      assert.equal(await store.getMessage('app_other', stored(valid!).messageId), null, 'a message is not found under another application');
    }));

  it('stores the rest of a batch when one item fails', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      const broken = message(app.id, { state: null as unknown as MessageState });
      const outcomes = await store.ingest([message(app.id, { eventId: 'x', dedupeUntil: Date.now() + 60_000 }), broken, message(app.id)]);
      assert.ok('error' in outcomes[1]!, 'the broken item reports an error');
      for (const i of [0, 2]) {
        const { messageId } = stored(outcomes[i]!);
        assert.notEqual(await store.getMessage(app.id, messageId), null);
        assert.equal((await store.listDeliveries(app.id, messageId)).length, 1);
      }
      assert.equal((await store.listMessages({ appId: app.id, limit: 10 })).data.length, 2);
      assert.deepEqual((await store.backlog()).pending, 2);
    }));

  it('lists messages newest first with filters, paging both ways', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      const ids: string[] = [];
      const early = await store.ingest([
        message(app.id, { eventType: 'invoice.paid', source: 'stripe' }),
        message(app.id, { eventType: 'user.created', source: 'stripe' }),
        message(app.id, { eventType: 'invoice.paid', source: 'github', state: 'invalid', error: 'bad' }),
      ]);
      ids.push(...early.map((o) => stored(o).messageId));
      const firstAt = (await store.getMessage(app.id, ids[0]!))!.receivedAt;
      await pastMs(firstAt);
      const late = await store.ingest([message(app.id, { eventType: 'invoice.paid' }), message(app.id, { eventType: 'order.shipped' })]);
      ids.push(...late.map((o) => stored(o).messageId));
      const newestFirst = [...ids].reverse();
      const list = async (q: Partial<Parameters<typeof store.listMessages>[0]>) =>
        (await store.listMessages({ appId: app.id, limit: 50, ...q })).data.map((m) => m.id);

      assert.deepEqual(await list({}), newestFirst);
      assert.deepEqual(await list({ source: 'stripe' }), [ids[1], ids[0]]);
      assert.deepEqual(await list({ eventTypes: ['invoice.paid', 'order.shipped'] }), [ids[4], ids[3], ids[2], ids[0]]);
      assert.deepEqual(await list({ state: 'invalid' }), [ids[2]]);
      assert.deepEqual(await list({ after: firstAt }), [ids[4], ids[3]]);
      assert.deepEqual(await list({ before: firstAt + 1 }), [ids[2], ids[1], ids[0]]);
      assert.deepEqual(await store.listMessages({ appId: 'app_none', limit: 5 }), {
        data: [],
        iterator: null,
        prevIterator: null,
        done: true,
      });

      const p1 = await store.listMessages({ appId: app.id, limit: 2 });
      assert.deepEqual(
        p1.data.map((m) => m.id),
        newestFirst.slice(0, 2),
      );
      assert.equal(p1.done, false);
      const p2 = await store.listMessages({ appId: app.id, limit: 2, iterator: p1.iterator! });
      assert.deepEqual(
        p2.data.map((m) => m.id),
        newestFirst.slice(2, 4),
      );
      assert.equal(p2.done, false);
      const p3 = await store.listMessages({ appId: app.id, limit: 2, iterator: p2.iterator! });
      assert.deepEqual(
        p3.data.map((m) => m.id),
        newestFirst.slice(4),
      );
      assert.equal(p3.done, true);
      const back = await store.listMessages({ appId: app.id, limit: 2, iterator: p3.prevIterator! });
      assert.deepEqual(
        back.data.map((m) => m.id),
        newestFirst.slice(2, 4),
        'going back returns the previous page, newest first',
      );
      const front = await store.listMessages({ appId: app.id, limit: 2, iterator: back.prevIterator! });
      assert.deepEqual(
        front.data.map((m) => m.id),
        newestFirst.slice(0, 2),
      );
    }));
}
