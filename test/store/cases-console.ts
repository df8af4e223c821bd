import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SEARCH_WINDOW, type FlowRow } from '../../src/store/console.ts';
import { newId } from '../../src/store/ids.ts';
import { result } from './cases-leasing.ts';
import { application, endpoint, leaseOptions, message, newSecret, stored, type StoreTarget } from './harness.ts';

const row = (minute: number, source: string, over: Partial<FlowRow> = {}): FlowRow => ({
  minute,
  source,
  received: 0,
  verified: 0,
  rejected: 0,
  duplicates: 0,
  delivered: 0,
  failed: 0,
  latencySumMs: 0,
  ...over,
});

export function consoleCases(target: StoreTarget): void {
  it("flow counters: adds to each process's rows, sums every process over a window, per bucket and per source", () =>
    target.with(async ({ store }) => {
      const m0 = 1_700_000_040_000 - (1_700_000_040_000 % 60_000);
      await store.addFlowCounts('p1', [
        row(m0, 'stripe', { received: 3, verified: 2, rejected: 1 }),
        row(m0 + 60_000, 'stripe', { received: 1, verified: 1, delivered: 2, latencySumMs: 300 }),
      ]);
      await store.addFlowCounts('p1', [row(m0, 'stripe', { received: 2, verified: 2, duplicates: 1 })]);
      await store.addFlowCounts('p2', [
        row(m0, 'github', { received: 5, verified: 5, failed: 4 }),
        row(m0 + 5 * 60_000, '', { delivered: 1, latencySumMs: 50 }),
      ]);
      assert.deepEqual(await store.flowTotals(m0), {
        received: 11,
        verified: 10,
        rejected: 1,
        duplicates: 1,
        delivered: 3,
        failed: 4,
        latencySumMs: 350,
      });
      assert.deepEqual(await store.flowTotals(m0 + 60_000), {
        received: 1,
        verified: 1,
        rejected: 0,
        duplicates: 0,
        delivered: 3,
        failed: 0,
        latencySumMs: 350,
      });
      const perMinute = await store.flowSeries(m0, 60_000);
      assert.deepEqual(
        perMinute.map((p) => [p.minute - m0, p.received, p.delivered, p.failed]),
        [
          [0, 10, 0, 4],
          [60_000, 1, 2, 0],
          [300_000, 0, 1, 0],
        ],
      );
      const bucket = 10 * 60_000;
      const coarse = await store.flowSeries(m0 - (m0 % bucket), bucket);
      assert.equal(
        coarse.reduce((s, p) => s + p.received, 0),
        11,
      );
      const bySource = new Map((await store.flowBySource(m0)).map((s) => [s.source, s]));
      assert.equal(bySource.get('stripe')?.received, 6);
      assert.equal(bySource.get('stripe')?.lastReceivedAt, m0 + 60_000);
      assert.equal(bySource.get('github')?.failed, 4);
      assert.equal(bySource.get('')?.lastReceivedAt, null, 'only deliveries: nothing received');
      // Windows longer than an hour sum hour rows after their first, partial hour.
      const hour = m0 - (m0 % 3_600_000);
      assert.deepEqual(await store.flowTotals(m0 - 2 * 3_600_000), await store.flowTotals(m0));
      assert.deepEqual(
        (await store.flowSeries(hour, 3_600_000)).map((p) => [p.minute, p.received, p.delivered]),
        [[hour, 11, 3]],
      );
      assert.equal(await store.purgeFlowCounts(m0 + 60_000), 2);
      assert.equal((await store.flowTotals(m0)).received, 1);
    }));

  it('console sessions: found by hash until they expire, gone once deleted or purged', () =>
    target.with(async ({ store }) => {
      const now = Date.now();
      await store.createConsoleSession({
        idHash: 'a'.repeat(64),
        name: 'default',
        role: 'admin',
        applications: null,
        createdAt: now,
        expiresAt: now + 1000,
      });
      await store.createConsoleSession({
        idHash: 'b'.repeat(64),
        name: 'ops',
        role: 'viewer',
        applications: ['app_x'],
        createdAt: now,
        expiresAt: now + 5000,
      });
      assert.deepEqual(await store.getConsoleSession('b'.repeat(64), now), {
        idHash: 'b'.repeat(64),
        name: 'ops',
        role: 'viewer',
        applications: ['app_x'],
        createdAt: now,
        expiresAt: now + 5000,
      });
      assert.equal(await store.getConsoleSession('a'.repeat(64), now + 1000), null, 'expired');
      assert.equal(await store.getConsoleSession('c'.repeat(64), now), null);
      await store.deleteConsoleSession('b'.repeat(64));
      assert.equal(await store.getConsoleSession('b'.repeat(64), now), null);
      assert.equal(await store.purgeConsoleSessions(now + 2000), 1);
    }));

  it('rejected requests: newest first, paged, at most keepPerSource per source, counted per source', () =>
    target.with(async ({ store }) => {
      const now = Date.now();
      const rej = (source: string, i: number) => ({
        id: newId('rej'),
        source,
        receivedAt: now + i,
        remoteAddress: '127.0.0.1',
        reason: `reason ${i}`,
        headers: { 'webhook-id': `m${i}`, 'webhook-signature': '[redacted]' },
        bodySize: 2000,
        bodySha256: 'f'.repeat(64),
        bodyHead: Buffer.from([0xff, 0x00, 0x7b, i]),
      });
      const rows = Array.from({ length: 7 }, (_, i) => rej('stripe', i));
      await store.recordRejections(rows.slice(0, 4), 5);
      await store.recordRejections([...rows.slice(4), rej('github', 9)], 5);
      const page = await store.listRejections({ source: 'stripe', limit: 3 });
      assert.deepEqual(
        page.data.map((r) => r.reason),
        ['reason 6', 'reason 5', 'reason 4'],
      );
      assert.deepEqual(page.data[0]?.bodyHead, Buffer.from([0xff, 0x00, 0x7b, 6]), 'body bytes kept exactly');
      assert.deepEqual(page.data[0]?.headers, { 'webhook-id': 'm6', 'webhook-signature': '[redacted]' });
      const rest = await store.listRejections({ source: 'stripe', limit: 10, iterator: page.iterator as string });
      assert.deepEqual(
        rest.data.map((r) => r.reason),
        ['reason 3', 'reason 2'],
        'only the newest five of the source are kept',
      );
      assert.equal((await store.listRejections({ limit: 50 })).data.length, 6);
      const counts = new Map((await store.rejectionCounts(now)).map((c) => [c.source, c]));
      assert.deepEqual([counts.get('stripe')?.count, counts.get('stripe')?.lastAt, counts.get('github')?.count], [5, now + 6, 1]);
    }));

  it('message search: every filter, across applications, newest first, stable paging while messages arrive', () =>
    target.with(async ({ store }) => {
      const shop = await store.syncApplication(
        application('shop', [endpoint('a'), endpoint('b', { filterTypes: ['invoice.failed'] })]),
        newSecret,
      );
      const crm = await store.syncApplication(application('crm', []), newSecret);
      const b = (await store.getEndpoint(shop.id, 'b'))!.id;
      const ids = (
        await store.ingest([
          message(shop.id, { eventType: 'invoice.paid', eventId: 'evt_1', payload: Buffer.from('{"customer":"ada"}') }),
          message(shop.id, {
            eventType: 'invoice.failed',
            eventId: 'evt_2',
            source: 'stripe',
            payload: Buffer.from('{"customer":"grace"}'),
          }),
          message(crm.id, {
            eventType: 'contact.created',
            eventId: 'evt_3',
            state: 'invalid',
            error: 'bad',
            payload: Buffer.from('{"customer":"ada"}'),
          }),
        ])
      ).map((o) => stored(o).messageId);
      const search = async (q: Parameters<typeof store.searchMessages>[0]) => (await store.searchMessages(q)).data.map((m) => m.id);
      assert.deepEqual(await search({ limit: 10 }), [...ids].reverse());
      assert.deepEqual(await search({ limit: 10, appId: crm.id }), [ids[2]]);
      assert.deepEqual(await search({ limit: 10, source: 'stripe' }), [ids[1]]);
      assert.deepEqual(await search({ limit: 10, eventTypes: ['invoice.paid', 'contact.created'] }), [ids[2], ids[0]]);
      assert.deepEqual(await search({ limit: 10, state: 'invalid' }), [ids[2]]);
      assert.deepEqual(await search({ limit: 10, eventId: 'evt_2' }), [ids[1]]);
      assert.deepEqual(await search({ limit: 10, text: Buffer.from('"ada"') }), [ids[2], ids[0]]);
      assert.deepEqual(await search({ limit: 10, endpointId: b }), [ids[1]]);
      assert.deepEqual(await search({ limit: 10, deliveryState: 'pending' }), [ids[1], ids[0]]);
      assert.deepEqual(await search({ limit: 10, after: Date.now() + 60_000 }), []);
      assert.deepEqual(await search({ limit: 10, before: Date.now() + 60_000, after: Date.now() - 60_000, appId: shop.id }), [
        ids[1],
        ids[0],
      ]);

      // Dead letters, through their own index.
      const leased = await store.leaseDue(leaseOptions('w1', Date.now() + 1000));
      const toB = leased.find((l) => l.endpoint.id === b)!;
      await store.recordAttempts([result(toB, 'w1', { state: 'dead' })]);
      assert.deepEqual(await search({ limit: 10, deliveryState: 'dead' }), [ids[1]]);
      assert.deepEqual(await search({ limit: 10, deliveryState: 'dead', endpointId: b }), [ids[1]]);
      assert.deepEqual(await search({ limit: 10, deliveryState: 'succeeded' }), []);

      const first = await store.searchMessages({ limit: 2 });
      await store.ingest([message(shop.id)]);
      const second = await store.searchMessages({ limit: 2, iterator: first.iterator as string });
      assert.deepEqual(
        [...first.data, ...second.data].map((m) => m.id),
        [...ids].reverse(),
        'a new message does not shift the pages',
      );
      assert.equal(second.done, true);
      const back = await store.searchMessages({ limit: 2, iterator: second.prevIterator as string });
      assert.deepEqual(
        back.data.map((m) => m.id),
        [ids[2], ids[1]],
      );
      assert.equal((await store.findMessage(ids[2]!))?.appId, crm.id);
      assert.equal(await store.findMessage('msg_nothing'), null);
    }));

  it('endpoint health: its latest attempts newest first, and its breaker state once it has one', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      const a = (await store.getEndpoint(app.id, 'a'))!.id;
      assert.deepEqual(await store.endpointHealth(a, 10), { health: null, recent: [] });
      await store.ingest([message(app.id), message(app.id)]);
      const leased = await store.leaseDue(leaseOptions('w1', Date.now() + 1000));
      await store.recordAttempts([result(leased[0]!, 'w1', { state: 'succeeded' })]);
      await store.recordAttempts([result(leased[1]!, 'w1', { state: 'dead' }, { error: 'connection refused', status: null })]);
      const policy = {
        failureThreshold: 1,
        failureRate: 0.5,
        windowMs: 60_000,
        minWindowAttempts: 100,
        cooldownMs: 60_000,
        disableAfterMs: 86_400_000,
      };
      await store.recordEndpointHealth(a, false, Date.now(), policy);
      const { health, recent } = await store.endpointHealth(a, 1);
      assert.equal(recent.length, 1);
      assert.deepEqual(
        [recent[0]?.succeeded, recent[0]?.status, recent[0]?.error, recent[0]?.durationMs],
        [false, null, 'connection refused', 7],
      );
      assert.equal(health?.breaker, 'open');
      assert.equal((await store.endpointHealth(a, 10)).recent.length, 2);
    }));

  it('payload search reads a bounded window per request and says where to go on', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', []), newSecret);
      const needle = stored((await store.ingest([message(app.id, { payload: Buffer.from('{"needle":true}') })]))[0]!).messageId;
      const hay = Array.from({ length: SEARCH_WINDOW + 10 }, () => message(app.id, { payload: Buffer.from('{"hay":1}') }));
      for (let i = 0; i < hay.length; i += 1000) await store.ingest(hay.slice(i, i + 1000));
      const first = await store.searchMessages({ limit: 10, text: Buffer.from('needle') });
      assert.deepEqual([first.data.length, first.done, first.scanned], [0, false, SEARCH_WINDOW]);
      const next = await store.searchMessages({ limit: 10, text: Buffer.from('needle'), iterator: first.iterator as string });
      assert.deepEqual(
        next.data.map((m) => m.id),
        [needle],
      );
      assert.equal(next.done, true);
    }));
}
