import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AttemptRecord, LeasedDelivery, NextState } from '../../src/store/store.ts';
import { application, endpoint, leaseOptions, message, newSecret, stored, type StoreTarget } from './harness.ts';

/** What the deliverer would record after trying `leased`. */
export function result(
  leased: LeasedDelivery,
  owner: string,
  next: NextState,
  over: Partial<AttemptRecord['attempt']> = {},
): AttemptRecord {
  const ok = next.state === 'succeeded';
  return {
    deliveryId: leased.delivery.id,
    leaseOwner: owner,
    next,
    attempt: {
      deliveryId: leased.delivery.id,
      messageId: leased.message.id,
      endpointId: leased.endpoint.id,
      appId: leased.delivery.appId,
      url: leased.endpoint.url,
      trigger: leased.trigger,
      startedAt: Date.now(),
      durationMs: 7,
      status: ok ? 200 : 500,
      responseBody: ok ? 'ok' : 'boom',
      error: null,
      succeeded: ok,
      ...over,
    },
  };
}

export function leasingCases(target: StoreTarget): void {
  it('leases due deliveries only, with their message and endpoint', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a', { timeoutMs: 3000 })]), newSecret);
      const { messageId } = stored((await store.ingest([message(app.id, { payload: Buffer.from('{"a":1}') })]))[0]!);
      const [view] = await store.listDeliveries(app.id, messageId);
      const due = view!.nextAttemptAt!;
      assert.deepEqual(await store.leaseDue(leaseOptions('w1', due - 1)), [], 'not due yet');
      assert.equal(await store.nextDueAt(), due);

      const [leased, ...rest] = await store.leaseDue(leaseOptions('w1', due, { leaseGraceMs: 500 }));
      assert.equal(rest.length, 0);
      assert.equal(leased?.delivery.id, view!.id);
      assert.equal(leased?.delivery.state, 'in_flight');
      assert.equal(leased?.delivery.leaseOwner, 'w1');
      assert.equal(leased?.delivery.leaseExpiresAt, due + 3000 + 500, 'the endpoint timeout plus the grace');
      assert.equal(leased?.trigger, 'scheduled');
      assert.equal(leased?.message.id, messageId);
      assert.equal(leased?.message.payload?.toString(), '{"a":1}');
      assert.equal(leased?.endpoint.uid, 'a');
      assert.deepEqual(await store.leaseDue(leaseOptions('w2', due + 10)), [], 'a leased delivery is not leased again');
      assert.deepEqual(await store.backlog(), { pending: 0, scheduled: 0, inFlight: 1 });
      assert.equal(await store.nextDueAt(), null);
    }));

  it('never has more in flight to an endpoint than its concurrency', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('narrow', { concurrency: 2 }), endpoint('wide')]), newSecret);
      const narrow = (await store.getEndpoint(app.id, 'narrow'))!.id;
      await store.ingest(Array.from({ length: 5 }, () => message(app.id)));
      const now = Date.now() + 1000;
      const first = await store.leaseDue(leaseOptions('w1', now, { defaultConcurrency: 3 }));
      const count = (list: LeasedDelivery[], id: string) => list.filter((l) => l.endpoint.id === id).length;
      assert.equal(count(first, narrow), 2);
      assert.equal(first.length - count(first, narrow), 3, 'the default concurrency applies where the endpoint sets none');
      const second = await store.leaseDue(leaseOptions('w2', now, { defaultConcurrency: 3 }));
      assert.equal(second.length, 0, 'every slot is taken, by whichever owner');

      // Finishing one frees one slot of that endpoint.
      const done = first.find((l) => l.endpoint.id === narrow)!;
      await store.recordAttempts([result(done, 'w1', { state: 'succeeded' })]);
      const third = await store.leaseDue(leaseOptions('w2', now, { defaultConcurrency: 3 }));
      assert.deepEqual(
        third.map((l) => l.endpoint.id),
        [narrow],
      );
      assert.equal((await store.leaseDue(leaseOptions('w2', now, { limit: 1, defaultConcurrency: 100 }))).length, 1, 'limit caps a pass');
    }));

  it('does not lease deliveries of disabled endpoints', () =>
    target.with(async ({ store }) => {
      const config = application('shop', [endpoint('a'), endpoint('b')]);
      const app = await store.syncApplication(config, newSecret);
      await store.ingest([message(app.id), message(app.id)]);
      await store.syncApplication(application('shop', [endpoint('a', { disabled: true }), endpoint('b')]), newSecret);
      const leased = await store.leaseDue(leaseOptions('w1', Date.now() + 1000));
      assert.equal(leased.length, 2);
      assert.ok(leased.every((l) => l.endpoint.uid === 'b'));
      assert.equal((await store.backlog()).pending, 2, 'they wait, pending, for the endpoint to come back');
    }));

  it('moves a delivery on by the attempt result, only for its lease owner', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      const ids = (await store.ingest([message(app.id), message(app.id), message(app.id), message(app.id)])).map(
        (o) => stored(o).messageId,
      );
      const now = Date.now() + 1000;
      const leased = await store.leaseDue(leaseOptions('w1', now));
      const byMessage = new Map(leased.map((l) => [l.message.id, l]));
      const [ok, retry, dead, stolen] = ids.map((id) => byMessage.get(id)!);
      const retryAt = now + 60_000;
      await store.recordAttempts([
        result(ok!, 'w1', { state: 'succeeded' }),
        result(retry!, 'w1', { state: 'scheduled', at: retryAt }, { status: null, error: 'connection refused', responseBody: null }),
        result(dead!, 'w1', { state: 'dead' }, { status: 400 }),
        result(stolen!, 'w2', { state: 'succeeded' }),
      ]);
      const state = async (id: string) => (await store.listDeliveries(app.id, id))[0]!;
      const s1 = await state(ids[0]!);
      assert.deepEqual([s1.state, s1.attempts, s1.leaseOwner, s1.leaseExpiresAt, s1.lastStatus], ['succeeded', 1, null, null, 200]);
      const s2 = await state(ids[1]!);
      assert.deepEqual(
        [s2.state, s2.attempts, s2.nextAttemptAt, s2.lastStatus, s2.lastError],
        ['scheduled', 1, retryAt, null, 'connection refused'],
      );
      const s3 = await state(ids[2]!);
      assert.deepEqual([s3.state, s3.attempts, s3.lastStatus], ['dead', 1, 400]);
      const s4 = await state(ids[3]!);
      assert.deepEqual([s4.state, s4.attempts, s4.leaseOwner], ['in_flight', 0, 'w1'], 'a result from a non-owner does not move it');
      assert.equal(
        (await store.listAttempts({ appId: app.id, messageId: ids[3]!, limit: 10 })).data.length,
        1,
        'but the attempt is on record',
      );

      assert.deepEqual(await store.backlog(), { pending: 0, scheduled: 1, inFlight: 1 });
      assert.equal(await store.nextDueAt(), retryAt);
      assert.deepEqual(await store.leaseDue(leaseOptions('w1', retryAt - 1)), []);
      const [again] = await store.leaseDue(leaseOptions('w1', retryAt));
      assert.equal(again?.delivery.id, s2.id);
      assert.equal(again?.delivery.attempts, 1);
    }));

  it('disables an endpoint on request and stops leasing to it', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      await store.ingest([message(app.id), message(app.id)]);
      const now = Date.now() + 1000;
      const [first] = await store.leaseDue(leaseOptions('w1', now, { limit: 1 }));
      await store.recordAttempts([
        { ...result(first!, 'w1', { state: 'dead' }, { status: 410 }), disableEndpoint: 'endpoint answered 410 Gone' },
      ]);
      const ep = await store.getEndpoint(app.id, 'a');
      assert.equal(ep?.disabled, true);
      assert.equal(ep?.disabledReason, 'endpoint answered 410 Gone');
      assert.deepEqual(await store.leaseDue(leaseOptions('w1', now)), []);
    }));

  it('releases leases of its owner, due at once', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      await store.ingest([message(app.id), message(app.id)]);
      const now = Date.now() + 1000;
      const [a, b] = await store.leaseDue(leaseOptions('w1', now));
      await store.recordAttempts([result(b!, 'w1', { state: 'scheduled', at: now + 5000 })]);
      const [b2] = await store.leaseDue(leaseOptions('w1', now + 5000));
      assert.equal(b2?.delivery.id, b!.delivery.id);
      await store.releaseLeases('w2', [a!.delivery.id], now + 5000);
      assert.equal((await store.backlog()).inFlight, 2, 'another owner cannot release them');
      await store.releaseLeases('w1', [a!.delivery.id, b!.delivery.id], now + 6000);
      const views = await store.listDeliveries(app.id, a!.message.id);
      assert.deepEqual([views[0]?.state, views[0]?.nextAttemptAt, views[0]?.leaseOwner], ['pending', now + 6000, null]);
      const viewsB = await store.listDeliveries(app.id, b!.message.id);
      assert.deepEqual([viewsB[0]?.state, viewsB[0]?.attempts], ['scheduled', 1], 'a delivery tried before is scheduled, not pending');
      assert.equal((await store.leaseDue(leaseOptions('w3', now + 6000))).length, 2);
    }));

  it('takes back only expired leases', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a', { timeoutMs: 1000 })]), newSecret);
      await store.ingest([message(app.id)]);
      const now = Date.now() + 1000;
      const [leased] = await store.leaseDue(leaseOptions('w1', now, { leaseGraceMs: 500 }));
      const expiry = leased!.delivery.leaseExpiresAt!;
      assert.equal(await store.reclaimExpiredLeases(expiry), 0, 'a lease is live up to its expiry');
      assert.equal(await store.reclaimExpiredLeases(expiry + 1), 1);
      const [view] = await store.listDeliveries(app.id, leased!.message.id);
      assert.deepEqual([view?.state, view?.leaseOwner, view?.nextAttemptAt], ['pending', null, expiry + 1]);
      const [retaken] = await store.leaseDue(leaseOptions('w2', expiry + 1));
      assert.equal(retaken?.delivery.id, leased!.delivery.id);
      await store.recordAttempts([result(leased!, 'w1', { state: 'succeeded' })]);
      assert.equal(
        (await store.listDeliveries(app.id, leased!.message.id))[0]?.leaseOwner,
        'w2',
        'the late result of the old owner is ignored',
      );
    }));
}
