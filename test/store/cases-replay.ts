import assert from 'node:assert/strict';
import { it } from 'node:test';
import { result } from './cases-leasing.ts';
import { application, endpoint, leaseOptions, message, newSecret, stored, type StoreTarget } from './harness.ts';

export function replayCases(target: StoreTarget): void {
  it('replays a message to its endpoints as manual attempts, leaving work in flight alone', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(
        application('shop', [endpoint('a'), endpoint('users', { filterTypes: ['user.*'] })]),
        newSecret,
      );
      const a = (await store.getEndpoint(app.id, 'a'))!.id;
      const users = (await store.getEndpoint(app.id, 'users'))!.id;
      const { messageId } = stored((await store.ingest([message(app.id, { eventType: 'invoice.paid' })]))[0]!);
      assert.equal(await store.replay(app.id, messageId, null, Date.now()), 0, 'a pending delivery is not queued twice');
      const now = Date.now() + 1000;
      const [leased] = await store.leaseDue(leaseOptions('w1', now));
      assert.equal(await store.replay(app.id, messageId, null, now), 0, 'an attempt in flight is left to finish');
      await store.recordAttempts([result(leased!, 'w1', { state: 'succeeded' })]);

      assert.equal(await store.replay(app.id, messageId, null, now + 10), 1);
      const [view] = await store.listDeliveries(app.id, messageId);
      assert.deepEqual(
        [view?.id, view?.state, view?.manual, view?.nextAttemptAt, view?.attempts],
        [leased!.delivery.id, 'pending', true, now + 10, 1],
      );
      const [manual] = await store.leaseDue(leaseOptions('w1', now + 10));
      assert.equal(manual?.trigger, 'manual');
      await store.recordAttempts([result(manual!, 'w1', { state: 'succeeded' })]);
      const [after] = await store.listDeliveries(app.id, messageId);
      assert.deepEqual([after?.state, after?.manual, after?.attempts], ['succeeded', false, 2]);

      // To one endpoint: even one whose filter did not match the first time.
      assert.equal(await store.replay(app.id, messageId, users, now + 20), 1);
      const views = await store.listDeliveries(app.id, messageId);
      assert.deepEqual(
        views.map((v) => [v.endpointId, v.state]).sort(),
        [
          [a, 'succeeded'],
          [users, 'pending'],
        ].sort(),
      );
      assert.equal(await store.replay(app.id, 'msg_unknown', null, now), 0);
      assert.equal(await store.replay('app_other', messageId, null, now), 0, 'not through another application');
    }));

  it('replays a delivery waiting for a retry at once, and a dead one', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      const ids = (await store.ingest([message(app.id), message(app.id)])).map((o) => stored(o).messageId);
      const now = Date.now() + 1000;
      const leased = await store.leaseDue(leaseOptions('w1', now));
      const of = (id: string) => leased.find((l) => l.message.id === id)!;
      await store.recordAttempts([
        result(of(ids[0]!), 'w1', { state: 'scheduled', at: now + 3_600_000 }),
        result(of(ids[1]!), 'w1', { state: 'dead' }),
      ]);
      assert.equal(await store.replay(app.id, ids[0]!, null, now + 5), 1);
      assert.equal(await store.replay(app.id, ids[1]!, null, now + 5), 1);
      assert.deepEqual(await store.backlog(), { pending: 2, scheduled: 0, inFlight: 0 });
      assert.equal(await store.nextDueAt(), now + 5);
      assert.equal((await store.leaseDue(leaseOptions('w1', now + 5))).length, 2);
    }));

  it('lists attempts by message and endpoint, newest first, and reads one', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a'), endpoint('b')]), newSecret);
      const a = (await store.getEndpoint(app.id, 'a'))!.id;
      const ids = (await store.ingest([message(app.id), message(app.id)])).map((o) => stored(o).messageId);
      let now = Date.now() + 1000;
      for (let round = 0; round < 2; round++) {
        const leased = await store.leaseDue(leaseOptions('w1', now));
        assert.equal(leased.length, 4);
        await store.recordAttempts(
          leased.map((l) => result(l, 'w1', { state: 'scheduled', at: now + 10 }, { status: 503, responseBody: `round ${round}` })),
        );
        now += 10;
      }
      const all = await store.listAttempts({ appId: app.id, limit: 100 });
      assert.equal(all.data.length, 8);
      assert.equal(all.done, true);
      const sorted = [...all.data].sort((x, y) => (x.id < y.id ? 1 : -1));
      assert.deepEqual(
        all.data.map((x) => x.id),
        sorted.map((x) => x.id),
        'newest first',
      );
      const forMessage = await store.listAttempts({ appId: app.id, messageId: ids[0]!, limit: 100 });
      assert.equal(forMessage.data.length, 4);
      assert.ok(forMessage.data.every((x) => x.messageId === ids[0]));
      const forBoth = await store.listAttempts({ appId: app.id, messageId: ids[0]!, endpointId: a, limit: 100 });
      assert.deepEqual(
        forBoth.data.map((x) => x.responseBody),
        ['round 1', 'round 0'],
      );

      const p1 = await store.listAttempts({ appId: app.id, endpointId: a, limit: 3 });
      const p2 = await store.listAttempts({ appId: app.id, endpointId: a, limit: 3, iterator: p1.iterator! });
      assert.deepEqual([p1.data.length, p1.done, p2.data.length, p2.done], [3, false, 1, true]);
      const back = await store.listAttempts({ appId: app.id, endpointId: a, limit: 3, iterator: p2.prevIterator! });
      assert.deepEqual(
        back.data.map((x) => x.id),
        p1.data.map((x) => x.id),
      );

      const one = all.data[0]!;
      const read = await store.getAttempt(app.id, one.id);
      assert.deepEqual(read, one);
      assert.equal(read?.status, 503);
      assert.equal(read?.succeeded, false);
      assert.equal(read?.durationMs, 7);
      assert.equal(read?.trigger, 'scheduled');
      assert.equal(await store.getAttempt('app_other', one.id), null);
      assert.equal(await store.getAttempt(app.id, 'atmpt_missing'), null);
    }));
}
