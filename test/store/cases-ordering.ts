import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { LeasedDelivery, NewMessage, Store } from '../../src/store/store.ts';
import { result } from './cases-leasing.ts';
import { application, endpoint, leaseOptions, message, newSecret, stored, type StoreTarget } from './harness.ts';

const keyed = (appId: string, key: string, sequence: number, over: Partial<NewMessage> = {}): NewMessage =>
  message(appId, { orderingKey: key, sequence, payload: Buffer.from(JSON.stringify({ key, sequence })), ...over });

const seqOf = (l: LeasedDelivery): number | null => l.message.sequence;

async function succeed(store: Store, owner: string, leased: LeasedDelivery[]): Promise<void> {
  await store.recordAttempts(leased.map((l) => result(l, owner, { state: 'succeeded' })));
}

/** FIFO per (endpoint, key), hold-back, stale detection, dead heads, payload filters at fan-out and the quarantine release. */
export function orderingCases(target: StoreTarget): void {
  it('FIFO: one delivery per key at a time, in sequence order, keys in parallel', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('fifo', { fifo: true }), endpoint('plain')]), newSecret);
      await store.ingest([
        keyed(app.id, 'a', 3),
        keyed(app.id, 'a', 1),
        keyed(app.id, 'b', 9),
        keyed(app.id, 'a', 2),
        keyed(app.id, 'b', 8),
      ]);
      const now = Date.now() + 1000;
      const first = await store.leaseDue(leaseOptions('w1', now));
      const fifo = first.filter((l) => l.endpoint.uid === 'fifo');
      assert.deepEqual(fifo.map((l) => `${l.message.orderingKey}:${seqOf(l)}`).sort(), ['a:1', 'b:8'], "only each key's lowest sequence");
      assert.equal(first.filter((l) => l.endpoint.uid === 'plain').length, 5, 'a non-FIFO endpoint takes everything at once');
      assert.deepEqual(await store.leaseDue(leaseOptions('w1', now)), [], 'nothing more while the heads are in flight');
      await succeed(store, 'w1', first);
      const second = await store.leaseDue(leaseOptions('w1', now));
      assert.deepEqual(second.map((l) => `${l.message.orderingKey}:${seqOf(l)}`).sort(), ['a:2', 'b:9']);
      await succeed(store, 'w1', second);
      const third = await store.leaseDue(leaseOptions('w1', now));
      assert.deepEqual(
        third.map((l) => `${l.message.orderingKey}:${seqOf(l)}`),
        ['a:3'],
      );
    }));

  it('FIFO: a failing head blocks only its own key; ties go by arrival', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('fifo', { fifo: true })]), newSecret);
      const ids = (await store.ingest([keyed(app.id, 'a', 5), keyed(app.id, 'a', 5), keyed(app.id, 'b', 1), keyed(app.id, 'b', 2)])).map(
        (o) => stored(o).messageId,
      );
      const now = Date.now() + 1000;
      const first = await store.leaseDue(leaseOptions('w1', now));
      const a = first.find((l) => l.message.orderingKey === 'a')!;
      assert.equal(a.message.id, ids[0], 'equal sequences: the first to arrive goes first');
      await store.recordAttempts([result(a, 'w1', { state: 'scheduled', at: now + 60_000 })]);
      await succeed(
        store,
        'w1',
        first.filter((l) => l !== a),
      );
      const second = await store.leaseDue(leaseOptions('w1', now + 10));
      assert.deepEqual(
        second.map((l) => `${l.message.orderingKey}:${seqOf(l)}`),
        ['b:2'],
        'key a waits for its retrying head',
      );
      await succeed(store, 'w1', second);
      const retried = await store.leaseDue(leaseOptions('w1', now + 60_001));
      assert.deepEqual(
        retried.map((l) => l.message.id),
        [ids[0]],
        'the head again, not its successor',
      );
    }));

  it('hold-back: a keyed message waits the reorder window, and a late predecessor goes first', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(
        application('shop', [endpoint('fifo', { fifo: true }), endpoint('own', { fifo: true, reorderWindowMs: 50 })]),
        newSecret,
      );
      const [later] = (await store.ingest([keyed(app.id, 'k', 2, { reorderWindowMs: 5000 })])).map((o) => stored(o).messageId);
      const [view] = (await store.listDeliveries(app.id, later!)).filter((d) => d.endpointUid === 'fifo');
      const [own] = (await store.listDeliveries(app.id, later!)).filter((d) => d.endpointUid === 'own');
      assert.equal(view!.nextAttemptAt! - view!.createdAt, 5000, "held for the source's window");
      assert.equal(own!.nextAttemptAt! - own!.createdAt, 50, "an endpoint's own window wins");
      const t = view!.createdAt;
      assert.deepEqual(
        (await store.leaseDue(leaseOptions('w1', t + 100))).map((l) => l.endpoint.uid),
        ['own'],
      );
      // A few ms later, so the predecessor's window ends strictly after the successor's.
      await new Promise((r) => setTimeout(r, 5));
      await store.ingest([keyed(app.id, 'k', 1, { reorderWindowMs: 5000 })]);
      assert.deepEqual(await store.leaseDue(leaseOptions('w1', t + 5001)), [], 'the successor is due but its predecessor is waiting');
      const pred = await store.leaseDue(leaseOptions('w1', t + 60_000));
      assert.deepEqual(
        pred.map((l) => seqOf(l)),
        [1],
      );
      await succeed(store, 'w1', pred);
      assert.deepEqual(
        (await store.leaseDue(leaseOptions('w1', t + 60_000))).map((l) => seqOf(l)),
        [2],
      );
    }));

  it('stale: skipped and recorded (skip), or sent flagged (deliver); a manual replay is never skipped', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(
        application('shop', [endpoint('skip', { fifo: true }), endpoint('deliver', { fifo: true, stale: 'deliver' }), endpoint('plain')]),
        newSecret,
      );
      await store.ingest([keyed(app.id, 'k', 10)]);
      const now = Date.now() + 1000;
      await succeed(store, 'w1', await store.leaseDue(leaseOptions('w1', now)));
      const [old] = (await store.ingest([keyed(app.id, 'k', 7)])).map((o) => stored(o).messageId);
      const leased = await store.leaseDue(leaseOptions('w1', now + 10));
      assert.deepEqual(leased.map((l) => [l.endpoint.uid, l.delivery.stale]).sort(), [
        ['deliver', true],
        ['plain', false],
      ]);
      const views = await store.listDeliveries(app.id, old!);
      const skipped = views.find((d) => d.endpointUid === 'skip')!;
      assert.equal(skipped.state, 'skipped');
      assert.equal(skipped.stale, true);
      assert.equal(skipped.skipReason, 'stale');
      await succeed(store, 'w1', leased);
      // An operator asking for it gets it, flagged.
      assert.equal(await store.replay(app.id, old!, skipped.endpointId, now + 20), 1);
      const replayed = await store.leaseDue(leaseOptions('w1', now + 30));
      assert.deepEqual(
        replayed.map((l) => [l.endpoint.uid, l.delivery.stale, l.trigger]),
        [['skip', true, 'manual']],
      );
    }));

  it('a dead head: the key continues with onDead skip, waits with block until the head is replayed', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(
        application('shop', [endpoint('skip', { fifo: true }), endpoint('block', { fifo: true, onDead: 'block' })]),
        newSecret,
      );
      const [head] = (await store.ingest([keyed(app.id, 'k', 1), keyed(app.id, 'k', 2)])).map((o) => stored(o).messageId);
      const now = Date.now() + 1000;
      const heads = await store.leaseDue(leaseOptions('w1', now));
      assert.equal(heads.length, 2);
      await store.recordAttempts(heads.map((l) => result(l, 'w1', { state: 'dead' })));
      const next = await store.leaseDue(leaseOptions('w1', now + 10));
      assert.deepEqual(
        next.map((l) => [l.endpoint.uid, seqOf(l)]),
        [['skip', 2]],
        'block holds its key',
      );
      await succeed(store, 'w1', next);
      const blockId = heads.find((l) => l.endpoint.uid === 'block')!.endpoint.id;
      assert.equal(await store.replay(app.id, head!, blockId, now + 20), 1);
      const again = await store.leaseDue(leaseOptions('w1', now + 30));
      assert.deepEqual(
        again.map((l) => [l.endpoint.uid, seqOf(l)]),
        [['block', 1]],
        'the replayed head goes first',
      );
      await succeed(store, 'w1', again);
      assert.deepEqual(
        (await store.leaseDue(leaseOptions('w1', now + 40))).map((l) => [l.endpoint.uid, seqOf(l)]),
        [['block', 2]],
      );
    }));

  it('payload filters at fan-out: no delivery, or a skipped one with recordSkipped', () =>
    target.with(async ({ store }) => {
      const filter = { 'data.amount': { $gte: 100 }, $headers: { 'x-env': 'live' } };
      const app = await store.syncApplication(
        application('shop', [endpoint('big', { filter }), endpoint('debug', { filter, recordSkipped: true }), endpoint('all')]),
        newSecret,
      );
      const body = (amount: number): Buffer => Buffer.from(JSON.stringify({ data: { amount } }));
      const outcomes = await store.ingest([
        message(app.id, { payload: body(150), headers: { 'x-env': 'live' } }),
        message(app.id, { payload: body(50), headers: { 'x-env': 'live' } }),
        message(app.id, { payload: body(150), headers: { 'x-env': 'test' } }),
      ]);
      const [pass, small, test] = outcomes.map((o) => stored(o));
      assert.deepEqual([pass!.deliveries, small!.deliveries, test!.deliveries], [3, 1, 1], 'deliverable counts');
      const states = async (id: string): Promise<string[]> =>
        (await store.listDeliveries(app.id, id)).map((d) => `${d.endpointUid}:${d.state}:${d.skipReason ?? ''}`).sort();
      assert.deepEqual(await states(small!.messageId), ['all:pending:', 'debug:skipped:filtered']);
      assert.deepEqual(await states(pass!.messageId), ['all:pending:', 'big:pending:', 'debug:pending:']);
      const leased = await store.leaseDue(leaseOptions('w1', Date.now() + 1000));
      assert.equal(leased.length, 5, 'skipped deliveries are never leased');
      // A replay to every matching endpoint honours the filter too.
      await succeed(store, 'w1', leased);
      assert.equal(await store.replay(app.id, small!.messageId, null, Date.now() + 2000), 1);
    }));

  it('releases quarantined messages: accepted and fanned out once', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a'), endpoint('b', { filter: { ok: true } })]), newSecret);
      const issues = [{ path: '/ok', message: 'must be boolean' }];
      const [bad] = (
        await store.ingest([
          message(app.id, { state: 'invalid', error: 'schema', validationErrors: issues, payload: Buffer.from('{"ok":true}') }),
        ])
      ).map((o) => stored(o));
      assert.equal(bad!.deliveries, 0);
      const quarantined = await store.getMessage(app.id, bad!.messageId);
      assert.equal(quarantined?.state, 'invalid');
      assert.deepEqual(quarantined?.validationErrors, issues);
      assert.deepEqual(
        (await store.listMessages({ appId: app.id, state: 'invalid', limit: 10 })).data.map((m) => m.id),
        [bad!.messageId],
      );
      const released = await store.releaseMessages(app.id, [bad!.messageId, 'msg_unknown'], Date.now());
      assert.deepEqual(released, [{ messageId: bad!.messageId, deliveries: 2 }]);
      const after = await store.getMessage(app.id, bad!.messageId);
      assert.equal(after?.state, 'accepted');
      assert.equal(after?.validationErrors, null);
      assert.deepEqual(await store.releaseMessages(app.id, [bad!.messageId], Date.now()), [], 'released once');
      assert.equal((await store.listDeliveries(app.id, bad!.messageId)).length, 2);
    }));

  // Only PostgreSQL is shared by several stores: one process owns a SQLite file, so the case does not arise there.
  if (target.name === 'postgres')
    it('FIFO holds across stores sharing the database: never two of one key in flight', () =>
      target.with(async ({ store, another }) => {
        const app = await store.syncApplication(application('shop', [endpoint('fifo', { fifo: true })]), newSecret);
        const batch: NewMessage[] = [];
        for (let k = 0; k < 10; k++) for (let s = 0; s < 5; s++) batch.push(keyed(app.id, `k${k}`, 4 - s));
        await store.ingest(batch);
        const others = [await another(), await another()];
        const stores = [store, ...others];
        const now = Date.now() + 1000;
        const seen = new Map<string, number[]>();
        for (let round = 0; round < 40; round++) {
          const passes = await Promise.all(stores.map((s, i) => s.leaseDue(leaseOptions(`w${i}`, now, { limit: 7 }))));
          const all = passes.flat();
          if (all.length === 0) break;
          const keys = all.map((l) => l.message.orderingKey);
          assert.equal(new Set(keys).size, keys.length, 'one delivery per key in flight');
          for (const l of all) seen.set(l.message.orderingKey!, [...(seen.get(l.message.orderingKey!) ?? []), seqOf(l)!]);
          await Promise.all(passes.map((p, i) => succeed(stores[i]!, `w${i}`, p)));
        }
        assert.equal(seen.size, 10);
        for (const seqs of seen.values()) assert.deepEqual(seqs, [0, 1, 2, 3, 4]);
      }));
}
