import assert from 'node:assert/strict';
import { it } from 'node:test';
import { idFloor, idTime, newId } from '../../src/store/ids.ts';
import { result } from './cases-leasing.ts';
import { application, endpoint, leaseOptions, message, newSecret, stored, type StoreTarget } from './harness.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Retention through the Store seam. PostgreSQL removes whole periods, so
 * "before" lies hours ahead here: everything stored in this case is then in
 * a period that ended before it, on both stores.
 */
export function retentionCases(target: StoreTarget): void {
  it('removes messages past retention with their deliveries and attempts', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      await store.prepareStorage(Date.now(), DAY);
      const ids = (await store.ingest([message(app.id), message(app.id), message(app.id, { eventType: 'nobody.listens' })])).map(
        (o) => stored(o).messageId,
      );
      const now = Date.now() + 1000;
      const leased = await store.leaseDue(leaseOptions('w1', now));
      assert.equal(leased.length, 3, 'one delivery per message: the endpoint takes every type');
      await store.recordAttempts(leased.map((l) => result(l, 'w1', { state: 'succeeded' })));

      const nothing = await store.removeBefore(Date.now() - HOUR);
      assert.deepEqual([nothing.partitions, nothing.messages, nothing.heldBack], [[], 0, 0], 'nothing is that old');
      assert.ok(await store.getMessage(app.id, ids[0]!));

      const removal = await store.removeBefore(Date.now() + 3 * HOUR);
      assert.equal(removal.heldBack, 0);
      if (target.name === 'sqlite') assert.equal(removal.messages, 3);
      else assert.ok(removal.partitions.length >= 1, 'at least the period holding the messages was dropped');
      for (const id of ids) assert.equal(await store.getMessage(app.id, id), null);
      assert.deepEqual((await store.listAttempts({ appId: app.id, limit: 10 })).data, []);
      assert.deepEqual((await store.listMessages({ appId: app.id, limit: 10 })).data, []);
      assert.deepEqual(await store.listDeliveries(app.id, ids[0]!), []);

      // The store keeps working afterwards: the next message finds a home.
      await store.prepareStorage(Date.now(), DAY);
      const next = stored((await store.ingest([message(app.id)]))[0]!);
      assert.ok(await store.getMessage(app.id, next.messageId));
      assert.equal((await store.leaseDue(leaseOptions('w1', Date.now() + 1000))).length, 1);
    }));

  it('keeps a message with a delivery still to make, and removes it once delivered', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      await store.prepareStorage(Date.now(), DAY);
      const waiting = stored((await store.ingest([message(app.id)]))[0]!).messageId;
      const before = Date.now() + 3 * HOUR;

      const kept = await store.removeBefore(before);
      assert.equal(kept.heldBack, 1, 'its period (or itself) is held back');
      assert.deepEqual([kept.partitions.some((p) => p.endsWith('_initial')), kept.messages], [false, 0]);
      assert.ok(await store.getMessage(app.id, waiting), 'the message stays');
      assert.equal((await store.listDeliveries(app.id, waiting))[0]?.state, 'pending', 'and so does its delivery');

      const [leased] = await store.leaseDue(leaseOptions('w1', Date.now() + 1000));
      assert.equal((await store.removeBefore(before)).heldBack, 1, 'in flight is still to make');
      await store.recordAttempts([result(leased!, 'w1', { state: 'succeeded' })]);
      const removal = await store.removeBefore(before);
      assert.equal(removal.heldBack, 0);
      assert.equal(await store.getMessage(app.id, waiting), null);
    }));

  it('prepares storage idempotently', () =>
    target.with(async ({ store }) => {
      const now = Date.now();
      await store.prepareStorage(now, DAY);
      assert.deepEqual(await store.prepareStorage(now, DAY), [], 'the second call finds everything in place');
      assert.equal(idTime(idFloor('msg', now)), now, 'an id floor tells the time it was made for');
      assert.ok(Math.abs(idTime(newId('msg')) - Date.now()) < 1000, 'and so does an id');
    }));
}
