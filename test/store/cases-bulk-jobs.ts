import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { BulkFilter } from '../../src/store/bulk-jobs.ts';
import type { Store } from '../../src/store/store.ts';
import { result } from './cases-leasing.ts';
import { application, endpoint, leaseOptions, message, newSecret, stored, type StoreTarget } from './harness.ts';

/** Two applications; every delivery attempted once and then dead or succeeded as `outcome` says. */
async function world(store: Store, now: number) {
  const shop = await store.syncApplication(application('shop', [endpoint('a'), endpoint('b')]), newSecret);
  const other = await store.syncApplication(application('other', [endpoint('c')]), newSecret);
  const a = (await store.getEndpoint(shop.id, 'a'))!.id;
  const msgs = [
    message(shop.id, { eventType: 'invoice.paid', source: 'stripe' }),
    message(shop.id, { eventType: 'invoice.paid', source: 'stripe' }),
    message(shop.id, { eventType: 'user.created', source: 'stripe' }),
    message(shop.id, { eventType: 'invoice.paid', source: 'github' }),
    message(other.id, { eventType: 'invoice.paid', source: 'stripe' }),
  ];
  const ids = (await store.ingest(msgs)).map((o) => stored(o).messageId);
  const leased = await store.leaseDue(leaseOptions('w1', now));
  assert.equal(leased.length, 9);
  // Message 1 succeeded everywhere; the rest are dead.
  await store.recordAttempts(leased.map((l) => result(l, 'w1', l.message.id === ids[1] ? { state: 'succeeded' } : { state: 'dead' })));
  return { shop, other, a, ids };
}

function filter(over: Partial<BulkFilter>): BulkFilter {
  return {
    appId: null,
    endpointId: null,
    status: ['dead'],
    eventTypes: null,
    source: null,
    since: null,
    until: Date.now() + 60_000,
    ...over,
  };
}

async function runToEnd(store: Store, id: string, owner: string, limit: number, now: number) {
  for (let i = 0; i < 50; i++) {
    const job = await store.runBulkBatch(id, owner, limit, now, 10_000);
    if (job?.state !== 'running') return job;
  }
  throw new Error('the job did not finish in 50 batches');
}

export function bulkJobCases(target: StoreTarget): void {
  it('a bulk job touches exactly the deliveries of its filter, in batches, and reports', () =>
    target.with(async ({ store }) => {
      const now = Date.now() + 1000;
      const { shop, a, ids } = await world(store, now);
      const f = filter({ appId: shop.id, endpointId: a, eventTypes: ['invoice.paid'], source: 'stripe' });
      assert.equal(await store.countBulkTargets(f), 1, 'message 0 only: 1 succeeded, 2 is another type, 3 another source, 4 another app');
      assert.equal(await store.countBulkTargets(filter({ appId: shop.id })), 6);
      assert.equal(await store.countBulkTargets(filter({ appId: shop.id, status: ['succeeded', 'dead'] })), 8);
      assert.equal(await store.countBulkTargets(filter({})), 7);

      const job = await store.createBulkJob(
        { action: 'retry', filter: filter({ appId: shop.id, eventTypes: ['invoice.paid'] }), total: 4, requestedBy: 'test' },
        now,
      );
      assert.deepEqual([job.state, job.total, job.done, job.failed, job.finishedAt], ['queued', 4, 0, 0, null]);
      const claimed = await store.claimBulkJob('r1', now, 10_000);
      assert.equal(claimed?.id, job.id);
      assert.equal(await store.claimBulkJob('r2', now, 10_000), null, 'held by r1');
      const ended = await runToEnd(store, job.id, 'r1', 1, now + 5);
      assert.deepEqual([ended?.state, ended?.done, ended?.failed, ended?.total, ended?.report.queued], ['succeeded', 4, 0, 4, 4]);
      assert.ok(ended?.finishedAt);

      const touched = new Set([ids[0], ids[3]]);
      for (const id of ids) {
        for (const d of await store.listDeliveries(shop.id, id!)) {
          if (touched.has(id)) assert.deepEqual([d.state, d.manual, d.nextAttemptAt], ['pending', true, now + 5], `${id} is retried`);
          else assert.notEqual(d.state, 'pending', `${id} is left alone`);
        }
      }
      assert.equal((await store.leaseDue(leaseOptions('w1', now + 5))).length, 4);
      assert.deepEqual(
        (await store.listBulkJobs({ appIds: [shop.id], limit: 10 })).data.map((j) => j.id),
        [job.id],
      );
      assert.deepEqual((await store.listBulkJobs({ appIds: ['app_other'], limit: 10 })).data, []);
    }));

  it('a cancelled job stops between batches; a job whose holder died is taken over from its cursor', () =>
    target.with(async ({ store }) => {
      const now = Date.now() + 1000;
      const { shop, other } = await world(store, now);
      const job = await store.createBulkJob(
        { action: 'replay', filter: filter({ appId: shop.id, status: ['dead', 'succeeded'] }), total: 8, requestedBy: null },
        now,
      );
      await store.claimBulkJob('r1', now, 1000);
      assert.equal((await store.runBulkBatch(job.id, 'r1', 2, now, 1000))?.done, 2);
      // r1 dies: after its lease, r2 carries on where it stopped.
      assert.equal(await store.claimBulkJob('r2', now + 500, 1000), null);
      assert.equal((await store.claimBulkJob('r2', now + 1001, 1000))?.id, job.id);
      assert.equal(await store.runBulkBatch(job.id, 'r1', 2, now + 1001, 1000), null, 'r1 no longer holds it');
      assert.equal((await store.runBulkBatch(job.id, 'r2', 2, now + 1001, 1000))?.done, 4);
      const cancelled = await store.cancelBulkJob(job.id, now + 1002);
      assert.deepEqual([cancelled?.state, cancelled?.done], ['cancelled', 4]);
      assert.equal((await store.runBulkBatch(job.id, 'r2', 2, now + 1003, 1000))?.state, 'cancelled');
      assert.equal((await store.getBulkJob(job.id))?.done, 4, 'nothing after the cancel');
      assert.deepEqual(await store.backlog(), { pending: 4, scheduled: 0, inFlight: 0 });
      assert.equal(await store.claimBulkJob('r3', now + 5000, 1000), null, 'a cancelled job is not taken up');
      assert.equal((await store.cancelBulkJob(job.id, now + 5000))?.state, 'cancelled');
      assert.equal(await store.cancelBulkJob('bulk_unknown', now), null);
      // The other application's delivery was never touched.
      const [c] = await store.listDeliveries(other.id, (await store.listMessages({ appId: other.id, limit: 1 })).data[0]!.id);
      assert.equal(c?.state, 'dead');
    }));

  it('a delivery whose payload was purged is reported, not queued', () =>
    target.with(async ({ store }) => {
      const now = Date.now() + 1000;
      const { shop, ids } = await world(store, now);
      assert.ok(await store.deleteMessageContent(shop.id, ids[0]!));
      const job = await store.createBulkJob(
        {
          action: 'retry',
          filter: filter({ appId: shop.id, source: 'stripe', eventTypes: ['invoice.paid'] }),
          total: 2,
          requestedBy: null,
        },
        now,
      );
      await store.claimBulkJob('r1', now, 1000);
      const ended = await runToEnd(store, job.id, 'r1', 10, now);
      assert.deepEqual([ended?.done, ended?.failed, ended?.report.notQueued], [0, 2, { payload_purged: 2 }]);
      assert.equal(ended?.report.failedIds.length, 2);
    }));
}
