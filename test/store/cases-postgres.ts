import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { openStore } from '../../src/gateway/open-store.ts';
import type { Store } from '../../src/store/store.ts';
import { result } from './cases-leasing.ts';
import { application, DATABASE_URL, endpoint, leaseOptions, message, newSecret, stored, type StoreTarget } from './harness.ts';

/** Cases about several processes sharing one database, which only PostgreSQL allows. */
export function sharedDatabaseCases(target: StoreTarget): void {
  it('several stores leasing at once never share a delivery nor exceed an endpoint concurrency', () =>
    target.with(async ({ store, another }) => {
      const app = await store.syncApplication(
        application('shop', [endpoint('e1', { concurrency: 1 }), endpoint('e2', { concurrency: 3 }), endpoint('e3')]),
        newSecret,
      );
      const caps = new Map((await store.listEndpoints(app.id)).map((e) => [e.id, e.concurrency ?? 4]));
      const messages = 150;
      for (let i = 0; i < messages; i += 50) await store.ingest(Array.from({ length: 50 }, () => message(app.id)));
      const stores: Store[] = [store, await another(), await another(), await another()];

      const leasedCount = new Map<string, number>();
      const inFlight = new Map<string, Set<string>>();
      const violations: string[] = [];
      const deadline = Date.now() + 60_000;
      const worker = async (s: Store, owner: string): Promise<void> => {
        for (let pass = 0; pass < 2000 && Date.now() < deadline; pass++) {
          const leased = await s.leaseDue(leaseOptions(owner, Date.now() + 1000, { limit: 5, defaultConcurrency: 4 }));
          if (leased.length === 0) {
            if ((await s.backlog()).pending === 0) return;
            await new Promise((r) => setTimeout(r, 1));
            continue;
          }
          for (const l of leased) {
            leasedCount.set(l.delivery.id, (leasedCount.get(l.delivery.id) ?? 0) + 1);
            const set = inFlight.get(l.endpoint.id) ?? new Set<string>();
            inFlight.set(l.endpoint.id, set);
            if (set.has(l.delivery.id)) violations.push(`${l.delivery.id} leased while in flight`);
            set.add(l.delivery.id);
            if (set.size > (caps.get(l.endpoint.id) ?? 0)) violations.push(`${set.size} in flight to ${l.endpoint.uid}`);
          }
          await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 3)));
          // Forget them before the database frees their slots, so this count never runs ahead of the database's.
          for (const l of leased) inFlight.get(l.endpoint.id)?.delete(l.delivery.id);
          await s.recordAttempts(leased.map((l) => result(l, owner, { state: 'succeeded' })));
        }
      };
      await Promise.all(stores.flatMap((s, i) => [0, 1, 2].map((j) => worker(s, `w${i}_${j}`))));

      assert.deepEqual(violations, []);
      assert.equal(leasedCount.size, messages * 3, 'every delivery was leased');
      assert.ok(
        [...leasedCount.values()].every((n) => n === 1),
        'and each exactly once',
      );
      assert.deepEqual(await store.backlog(), { pending: 0, scheduled: 0, inFlight: 0 });
      const attempts = await store.listAttempts({ appId: app.id, limit: 1000 });
      assert.equal(attempts.data.length, messages * 3, 'one attempt per delivery');
    }));

  it('stores an event id once when two stores ingest it at the same moment', () =>
    target.with(async ({ store, another }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      const other = await another();
      const until = Date.now() + 60_000;
      const batch = () =>
        Array.from({ length: 20 }, (_, i) => message(app.id, { eventId: `evt_${i}`, dedupeScope: 'stripe', dedupeUntil: until }));
      const [x, y] = await Promise.all([store.ingest(batch()), other.ingest(batch())]);
      for (let i = 0; i < 20; i++) {
        const both = [x[i]!, y[i]!];
        const fresh = both.filter((o) => 'duplicate' in o && !o.duplicate);
        const dup = both.filter((o) => 'duplicate' in o && o.duplicate);
        assert.equal(fresh.length, 1, `evt_${i} stored once: ${JSON.stringify(both)}`);
        assert.equal(dup.length, 1);
        assert.equal((dup[0] as { messageId: string }).messageId, stored(fresh[0]!).messageId);
      }
      assert.equal((await store.backlog()).pending, 20);
    }));

  it('wakes listeners in other processes when deliveries become due, also after their connection drops', () =>
    target.with(async ({ store, another, sql }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      const worker = await another();
      let wakes = 0;
      const errors: Error[] = [];
      let waiter: (() => void) | undefined;
      const stop = worker.onDue(
        () => {
          wakes++;
          waiter?.();
        },
        (err) => errors.push(err),
      );
      /** Resolves at the next wake-up after `action`; fails the case after 10 s. */
      const wokenBy = async (action: () => Promise<unknown>): Promise<void> => {
        const woken = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no wake-up within 10 s')), 10_000);
          waiter = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        await action();
        await woken;
        waiter = undefined;
      };
      try {
        // The first wake-up comes once listening, for whatever became due before.
        await wokenBy(async () => undefined);
        await wokenBy(() => store.ingest([message(app.id)]));
        const before = wakes;
        await store.ingest([message(app.id, { state: 'invalid', error: 'bad' })]);
        await wokenBy(() => store.ingest([message(app.id), message(app.id)]));
        assert.equal(wakes, before + 1, 'an ingest that made nothing due wakes no one; a batch wakes once');

        const [leased] = await store.leaseDue(leaseOptions('w1', Date.now() + 1000, { limit: 1 }));
        await wokenBy(() => store.releaseLeases('w1', [leased!.delivery.id], Date.now()));

        // What a server restart does to the session, for this test's schema only (other runs share the server).
        const killed = await sql(`SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
        WHERE application_name = 'sluice-listen' AND query = 'LISTEN sluice_due_' || current_schema()`);
        assert.deepEqual(killed, [{ done: true }]);
        await wokenBy(async () => undefined);
        assert.ok(errors.length >= 1, 'the lost connection was reported');
        await wokenBy(() => store.ingest([message(app.id)]));
      } finally {
        stop();
      }
    }));

  it('a process starting up does not take leases other processes hold', () =>
    target.with(async ({ store, another }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      await store.ingest([message(app.id)]);
      const [leased] = await store.leaseDue(leaseOptions('w1', Date.now()));
      assert.ok(leased);
      const second = await another();
      assert.deepEqual(await second.backlog(), { pending: 0, scheduled: 0, inFlight: 1 });
      assert.equal((await second.listDeliveries(app.id, leased.message.id))[0]?.leaseOwner, 'w1');
    }));

  it('migrates once when many processes start at once, and syncs one application', () =>
    target.with(async ({ sql }) => {
      const schema = `sluice_test_${randomBytes(6).toString('hex')}`;
      await sql(`CREATE SCHEMA ${schema}`);
      const stores: Store[] = [];
      try {
        const opened = await Promise.allSettled(Array.from({ length: 6 }, () => openStore(DATABASE_URL, { schema, poolSize: 2 })));
        for (const o of opened) if (o.status === 'fulfilled') stores.push(o.value);
        assert.deepEqual(
          opened.filter((o) => o.status === 'rejected'),
          [],
        );
        const rows = await sql(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
        assert.deepEqual(
          rows.map((r) => r.version),
          [...new Set(rows.map((r) => r.version))],
          'each migration recorded once',
        );
        assert.ok(rows.length >= 1);

        const config = application('shop', [endpoint('a'), endpoint('b')]);
        const apps = await Promise.all(stores.map((s) => s.syncApplication(config, newSecret)));
        assert.equal(new Set(apps.map((a) => a.id)).size, 1);
        const views = await Promise.all(stores.map((s) => s.listEndpoints(apps[0]!.id)));
        for (const v of views)
          assert.deepEqual(
            v.map((e) => e.secrets),
            views[0]!.map((e) => e.secrets),
            'every process sees the same secrets',
          );
      } finally {
        for (const s of stores) await s.close();
        await sql(`DROP SCHEMA ${schema} CASCADE`);
      }
    }));
}
