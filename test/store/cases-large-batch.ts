import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { MessageState } from '../../src/store/records.ts';
import { application, endpoint, message, newSecret, stored, type StoreTarget } from './harness.ts';

/** Batches larger than one statement's bound parameters hold (SQLite 32,766, PostgreSQL 65,535). */
export function largeBatchCases(target: StoreTarget): void {
  it('writes a batch past the parameter limit with the same outcomes, item by item', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a'), endpoint('b')]), newSecret);
      const until = Date.now() + 60_000;
      const [earlier] = await store.ingest([message(app.id, { eventId: 'evt_0', dedupeUntil: until })]);
      const n = 5_000;
      const batch = Array.from({ length: n }, (_, i) =>
        message(app.id, {
          // Every 10th repeats the one before it; evt_0 was stored by the earlier batch.
          eventId: `evt_${i % 10 === 9 ? i - 1 : i}`,
          dedupeUntil: until,
          payload: Buffer.from([i & 0xff, 0x00, 0xff, (i >> 8) & 0xff]),
          orderingKey: `k${i % 7}`,
          sequence: i,
        }),
      );
      const outcomes = await store.ingest(batch);
      assert.equal(outcomes.length, n);
      assert.deepEqual(outcomes[0], { messageId: stored(earlier!).messageId, duplicate: true });
      let fresh = 0;
      for (const [i, o] of outcomes.entries()) {
        if (i === 0) continue;
        if (i % 10 === 9) {
          const first = outcomes[i - 1] as { messageId: string };
          assert.deepEqual(o, { messageId: first.messageId, duplicate: true }, `item ${i} repeats item ${i - 1}`);
          continue;
        }
        assert.equal(stored(o).deliveries, 2);
        fresh++;
      }
      assert.equal((await store.backlog()).pending, 2 * (fresh + 1));
      const ids = outcomes.map((o) => ('messageId' in o ? o.messageId : ''));
      assert.deepEqual(
        [...ids.slice(1).filter((_, i) => (i + 1) % 10 !== 9)].sort(),
        ids.slice(1).filter((_, i) => (i + 1) % 10 !== 9),
        'ids sort in batch order',
      );
      for (const i of [1, 2_047, 2_048, 4_368, 4_370, n - 2]) {
        const m = await store.getMessage(app.id, ids[i] as string);
        assert.ok(m?.payload?.equals(batch[i]?.payload as Buffer), `the body of item ${i} is byte-exact`);
        assert.equal(m?.sequence, i);
      }
    }));

  it('stores the rest of a large batch when one item fails', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      const batch = Array.from({ length: 2_500 }, (_, i) =>
        message(app.id, i === 1_250 ? { state: null as unknown as MessageState } : { eventId: `e${i}`, dedupeUntil: Date.now() + 60_000 }),
      );
      const outcomes = await store.ingest(batch);
      assert.ok('error' in (outcomes[1_250] as object));
      assert.equal(outcomes.filter((o) => 'deliveries' in o && o.deliveries === 1).length, 2_499);
      assert.equal((await store.backlog()).pending, 2_499);
    }));
}
