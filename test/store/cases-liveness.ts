import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { LeasedDelivery, NewMessage, Store } from '../../src/store/store.ts';
import { result } from './cases-leasing.ts';
import { application, endpoint, leaseOptions, message, newSecret, stored, type StoreTarget } from './harness.ts';

const keyed = (appId: string, key: string, sequence: number, over: Partial<NewMessage> = {}): NewMessage =>
  message(appId, { orderingKey: key, sequence, ...over });

const label = (l: LeasedDelivery): string => `${l.endpoint.uid}:${l.message.orderingKey ?? '-'}:${l.message.sequence ?? '-'}`;

/** Leases with `limit` until a pass leases nothing (bounded), returning every pass's leases. */
async function drainPasses(store: Store, now: number, limit: number, passes = 50): Promise<LeasedDelivery[][]> {
  const out: LeasedDelivery[][] = [];
  for (let i = 0; i < passes; i++) {
    const got = await store.leaseDue(leaseOptions('w1', now, { limit }));
    if (got.length === 0) return out;
    out.push(got);
  }
  throw new Error(`still leasing after ${passes} passes`);
}

/**
 * The liveness invariant of docs/reliability.md on crafted states: a due
 * delivery whose endpoint has room and whose FIFO predecessors are done is
 * leased by the next pass, however much that cannot go waits ahead of it in the
 * due queue. Small lease limits make the pass's read window small, so a few
 * hundred rows ahead are enough to hide the heads from a bounded read.
 */
export function livenessCases(target: StoreTarget): void {
  it('liveness: retrying FIFO heads behind hundreds of older non-heads are leased', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('fifo', { fifo: true, stale: 'deliver' })]), newSecret);
      const keys = 10;
      await store.ingest(Array.from({ length: keys }, (_, k) => keyed(app.id, `k${k}`, 1)));
      const t0 = Date.now() + 10;
      const heads = await store.leaseDue(leaseOptions('w1', t0));
      assert.equal(heads.length, keys);
      // Every head fails; its retry is due after the 400 successors that arrive meanwhile.
      await store.recordAttempts(heads.map((l) => result(l, 'w1', { state: 'scheduled', at: t0 + 60_000 })));
      const rest: NewMessage[] = [];
      for (let s = 2; s <= 41; s++) for (let k = 0; k < keys; k++) rest.push(keyed(app.id, `k${k}`, s));
      await store.ingest(rest);
      const first = await store.leaseDue(leaseOptions('w1', t0 + 120_000, { limit: 4 }));
      assert.equal(first.length, 4, 'the retries are due and are the heads: a pass must lease them');
      assert.ok(
        first.every((l) => l.message.sequence === 1 && l.delivery.attempts === 1),
        first.map(label).join(),
      );
      const passes = await drainPasses(store, t0 + 120_000, 4);
      assert.equal(passes.flat().length, keys - 4, 'the other heads in the next passes, one per key');
      assert.ok(passes.flat().every((l) => l.message.sequence === 1));
    }));

  it('liveness: heads that arrived last (shuffled input) are found behind every successor', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('fifo', { fifo: true })]), newSecret);
      const late: NewMessage[] = [];
      // For each key the higher sequences arrive first, so the oldest due rows are all non-heads.
      for (let s = 30; s >= 2; s--) for (let k = 0; k < 8; k++) late.push(keyed(app.id, `k${k}`, s));
      await store.ingest(late);
      await new Promise((r) => setTimeout(r, 5));
      await store.ingest(Array.from({ length: 8 }, (_, k) => keyed(app.id, `k${k}`, 1)));
      const leased = await store.leaseDue(leaseOptions('w1', Date.now() + 1000, { limit: 2 }));
      assert.deepEqual(
        leased.map((l) => l.message.sequence),
        [1, 1],
      );
    }));

  it('liveness: hold-backs expiring behind older due non-heads; nextDueAt names the release', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('fifo', { fifo: true })]), newSecret);
      const t = Date.now();
      // Successors without a hold-back, due at once; their predecessors held back 2 s.
      const succ: NewMessage[] = [];
      for (let s = 2; s <= 40; s++) for (let k = 0; k < 6; k++) succ.push(keyed(app.id, `k${k}`, s));
      await store.ingest(succ);
      const held = (await store.ingest(Array.from({ length: 6 }, (_, k) => keyed(app.id, `k${k}`, 1, { reorderWindowMs: 2000 })))).map(
        (o) => stored(o).messageId,
      );
      const [view] = await store.listDeliveries(app.id, held[0]!);
      const release = view!.nextAttemptAt!;
      assert.ok(release >= t + 2000);
      assert.deepEqual(
        await store.leaseDue(leaseOptions('w1', release - 1, { limit: 3 })),
        [],
        'the heads are held back; nothing else may go',
      );
      const got = await store.leaseDue(leaseOptions('w1', release + 5, { limit: 3 }));
      assert.deepEqual(
        got.map((l) => l.message.sequence),
        [1, 1, 1],
        'released heads are leased at once',
      );
    }));

  it("liveness: a disabled endpoint's backlog ahead in the queue does not hold back another endpoint", () =>
    target.with(async ({ store }) => {
      const config = (disabled: boolean) =>
        application('shop', [endpoint('off', { disabled }), endpoint('on', { filterTypes: ['late.event'] })]);
      const app = await store.syncApplication(config(false), newSecret);
      await store.ingest(Array.from({ length: 200 }, () => message(app.id)));
      await store.syncApplication(config(true), newSecret);
      await new Promise((r) => setTimeout(r, 5));
      await store.ingest([message(app.id, { eventType: 'late.event' })]);
      const got = await store.leaseDue(leaseOptions('w1', Date.now() + 1000, { limit: 2 }));
      assert.deepEqual(
        got.map((l) => l.endpoint.uid),
        ['on'],
      );
    }));

  it("liveness: a saturated endpoint's backlog ahead in the queue does not hold back another endpoint", () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(
        application('shop', [endpoint('busy', { concurrency: 1 }), endpoint('free', { filterTypes: ['late.event'] })]),
        newSecret,
      );
      await store.ingest(Array.from({ length: 200 }, () => message(app.id)));
      await new Promise((r) => setTimeout(r, 5));
      await store.ingest([message(app.id, { eventType: 'late.event' })]);
      const now = Date.now() + 1000;
      const first = await store.leaseDue(leaseOptions('w1', now, { limit: 1 }));
      assert.deepEqual(
        first.map((l) => l.endpoint.uid),
        ['busy'],
      );
      const second = await store.leaseDue(leaseOptions('w1', now, { limit: 2 }));
      assert.deepEqual(
        second.map((l) => l.endpoint.uid),
        ['free'],
        'busy is at its concurrency; free has room and a due delivery',
      );
    }));

  it('liveness: a full scan leases what a pass leases, and the leasable count agrees', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(
        application('shop', [endpoint('fifo', { fifo: true, concurrency: 3 }), endpoint('plain', { concurrency: 2 })]),
        newSecret,
      );
      const batch: NewMessage[] = [];
      for (let s = 5; s >= 1; s--) for (let k = 0; k < 4; k++) batch.push(keyed(app.id, `k${k}`, s));
      await store.ingest(batch);
      const now = Date.now() + 1000;
      assert.equal(await store.countLeasable(now, 100), 3 + 2, 'fifo: 4 heads, 3 slots; plain: 20 due, 2 slots');
      const got = await store.leaseDue(leaseOptions('w1', now, { limit: 10, fullScan: true }));
      assert.deepEqual(
        got
          .map(label)
          .filter((s) => s.startsWith('fifo'))
          .map((s) => s.split(':')[2]),
        ['1', '1', '1'],
      );
      assert.equal(got.filter((l) => l.endpoint.uid === 'plain').length, 2);
      assert.equal(await store.countLeasable(now, 100), 0, 'every endpoint is at its concurrency now');
    }));

  it('after a crash: a FIFO head whose lease is taken back stays the head; predecessors that arrived meanwhile are stale', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(
        application('shop', [endpoint('fifo', { fifo: true, stale: 'deliver', timeoutMs: 1000 }), endpoint('plain')]),
        newSecret,
      );
      const [head] = (await store.ingest([keyed(app.id, 'sub_23', 14)])).map((o) => stored(o).messageId);
      const now = Date.now() + 1000;
      const sent = await store.leaseDue(leaseOptions('w1', now));
      assert.deepEqual(sent.map(label).sort(), ['fifo:sub_23:14', 'plain:sub_23:14']);
      // w1 sends 14 (the receiver may have it) and dies before recording anything; 12 and 13 arrive.
      await store.ingest([keyed(app.id, 'sub_23', 12), keyed(app.id, 'sub_23', 13)]);
      const expiry = sent[0]!.delivery.leaseExpiresAt!;
      assert.equal(await store.reclaimExpiredLeases(expiry + 1), 2);
      const views = await store.listDeliveries(app.id, head!);
      assert.deepEqual(
        views.map((v) => [v.endpointUid, v.state, v.attempts]).sort(),
        [
          ['fifo', 'scheduled', 0],
          ['plain', 'pending', 0],
        ],
        'on the FIFO endpoint an attempt of unknown outcome counts as made; elsewhere nothing changes',
      );
      const again = (await store.leaseDue(leaseOptions('w2', expiry + 2))).filter((l) => l.endpoint.uid === 'fifo');
      assert.deepEqual(
        again.map((l) => [l.message.sequence, l.delivery.stale]),
        [[14, false]],
        'the repeat of 14 first, not 12',
      );
      await store.recordAttempts(again.map((l) => result(l, 'w2', { state: 'succeeded' })));
      const late = (await store.leaseDue(leaseOptions('w2', expiry + 3))).filter((l) => l.endpoint.uid === 'fifo');
      assert.deepEqual(
        late.map((l) => [l.message.sequence, l.delivery.stale]),
        [[12, true]],
        'then 12, flagged stale',
      );
    }));

  it('the mark moves when an attempt starts: a late predecessor of a head that ended dead is stale', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(
        application('shop', [endpoint('skip', { fifo: true }), endpoint('deliver', { fifo: true, stale: 'deliver' })]),
        newSecret,
      );
      await store.ingest([keyed(app.id, 'k', 5)]);
      const now = Date.now() + 1000;
      const heads = await store.leaseDue(leaseOptions('w1', now));
      assert.equal(heads.length, 2);
      await store.ingest([keyed(app.id, 'k', 3)]);
      await store.recordAttempts(heads.map((l) => result(l, 'w1', { state: 'dead' })));
      const late = await store.leaseDue(leaseOptions('w1', now + 10));
      assert.deepEqual(
        late.map((l) => [l.endpoint.uid, l.message.sequence, l.delivery.stale]),
        [['deliver', 3, true]],
        'the receiver may have processed 5 (an attempt started): 3 is skipped as stale, or sent flagged',
      );
    }));
}
