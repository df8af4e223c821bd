import assert from 'node:assert/strict';
import { it } from 'node:test';
import { application, message, newSecret, stored, type StoreTarget } from './harness.ts';

export function reconcileCases(target: StoreTarget): void {
  it('reconciliation: received event ids from the dedupe keys, runs recorded and listed, the last finished one per source', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', []), newSecret);
      const now = Date.now();
      stored((await store.ingest([message(app.id, { eventId: 'evt_1', dedupeScope: 'source:stripe', dedupeUntil: now + 60_000 })]))[0]!);
      stored((await store.ingest([message(app.id, { eventId: 'evt_2', dedupeScope: 'source:other', dedupeUntil: now + 60_000 })]))[0]!);
      stored((await store.ingest([message(app.id, { eventId: 'evt_3', dedupeScope: 'source:stripe', dedupeUntil: now + 10 })]))[0]!);
      assert.deepEqual([...(await store.seenEventIds('source:stripe', ['evt_1', 'evt_2', 'evt_3', 'evt_4'], now))].sort(), [
        'evt_1',
        'evt_3',
      ]);
      assert.deepEqual(
        [...(await store.seenEventIds('source:stripe', ['evt_1', 'evt_3'], now + 20))],
        ['evt_1'],
        'past the dedupe window: forgotten',
      );
      assert.equal((await store.seenEventIds('source:stripe', [], now)).size, 0);

      const first = await store.startReconcileRun('stripe', now);
      assert.deepEqual([first.state, first.checked, first.finishedAt], ['running', 0, null]);
      assert.deepEqual(await store.latestReconcileRuns(), [], 'a run under way is not a result yet');
      await store.finishReconcileRun({
        ...first,
        state: 'succeeded',
        checked: 4,
        missing: 2,
        ingested: 2,
        missingIds: ['evt_2', 'evt_4'],
        finishedAt: now + 5,
      });
      const second = await store.startReconcileRun('stripe', now + 10);
      await store.finishReconcileRun({ ...second, state: 'failed', errors: ['listing failed: 503'], finishedAt: now + 11 });
      const gh = await store.startReconcileRun('github', now + 20);
      await store.finishReconcileRun({ ...gh, state: 'succeeded', checked: 1, finishedAt: now + 21 });
      const latest = await store.latestReconcileRuns();
      assert.deepEqual(
        latest.map((r) => [r.source, r.id, r.state]),
        [
          ['github', gh.id, 'succeeded'],
          ['stripe', second.id, 'failed'],
        ],
      );
      const stripeRuns = await store.listReconcileRuns({ source: 'stripe', limit: 1 });
      assert.deepEqual([stripeRuns.data.map((r) => r.id), stripeRuns.done], [[second.id], false]);
      const next = await store.listReconcileRuns({ source: 'stripe', limit: 1, iterator: stripeRuns.iterator! });
      assert.deepEqual(
        next.data.map((r) => [r.id, r.missingIds, r.finishedAt]),
        [[first.id, ['evt_2', 'evt_4'], now + 5]],
      );
      assert.equal((await store.listReconcileRuns({ limit: 10 })).data.length, 3);
    }));
}
