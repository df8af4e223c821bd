import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/gateway/config.ts';
import { StallWatch, STALL_POLLS } from '../../src/delivery/stall.ts';
import { storeRules } from '../../src/delivery/store-rules.ts';
import { DeliveryWorker } from '../../src/delivery/worker.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import { SqliteStore } from '../../src/store/sqlite/index.ts';
import type { LeasedDelivery, LeaseOptions } from '../../src/store/store.ts';
import { eventually, LogSink, tempDir } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { application, endpoint, message, newSecret } from '../store/harness.ts';

describe('stall watch (pure, injected clock)', () => {
  const POLL = 1000;

  it('asks for a check only after STALL_POLLS intervals of empty passes with free slots', () => {
    const watch = new StallWatch(POLL);
    for (let t = 0; t < STALL_POLLS * POLL; t += 250) assert.equal(watch.afterPass({ now: t, leased: 0, freeSlots: 5 }), null, `t=${t}`);
    assert.equal(watch.afterPass({ now: STALL_POLLS * POLL, leased: 0, freeSlots: 5 }), STALL_POLLS * POLL);
    assert.equal(watch.afterPass({ now: STALL_POLLS * POLL + 10, leased: 0, freeSlots: 5 }), null, 'not again at once');
    assert.equal(
      watch.afterPass({ now: 2 * STALL_POLLS * POLL, leased: 0, freeSlots: 5 }),
      2 * STALL_POLLS * POLL,
      'a lasting stall is checked again, with the whole idle time',
    );
  });

  it('a pass that leases, or one with no free slot, resets it', () => {
    const watch = new StallWatch(POLL);
    watch.afterPass({ now: 0, leased: 0, freeSlots: 5 });
    watch.afterPass({ now: 2500, leased: 1, freeSlots: 5 });
    assert.equal(watch.afterPass({ now: 3000, leased: 0, freeSlots: 5 }), null);
    watch.afterPass({ now: 5000, leased: 0, freeSlots: 0 });
    assert.equal(watch.afterPass({ now: 7900, leased: 0, freeSlots: 5 }), null, 'busy is not stalled: idle counts from 7900');
    assert.equal(watch.afterPass({ now: 7900 + STALL_POLLS * POLL, leased: 0, freeSlots: 5 }), STALL_POLLS * POLL);
  });
});

/**
 * Fault injection: a real SQLite store whose ordinary lease pass is blind, as
 * the bounded read was when a window of non-heads hid every FIFO head, while the full scan still works. Nothing
 * else is replaced: the worker, the receiver and the store are real.
 */
class BlindPassStore extends SqliteStore {
  blindPasses = 0;
  override async leaseDue(o: LeaseOptions): Promise<LeasedDelivery[]> {
    if (o.fullScan) return super.leaseDue(o);
    this.blindPasses++;
    return [];
  }
}

describe('delivery worker: a stall is never silent', () => {
  it('detects due work nothing leases, logs it with the counts, counts it in a metric, and recovers by a full scan', async () => {
    const receiver = await new Receiver().start();
    const tmp = tempDir('sluice-stall-');
    const store = new BlindPassStore(join(tmp.dir, 'sluice.db'), storeRules);
    const logs = new LogSink();
    const metrics = new Metrics();
    const config = parseConfig(
      `apiToken: test-token-0123456789abcdef\nallowPrivateNetworks: true\ntenantsInheritPrivateNetworks: true\ndataDir: ${tmp.dir}\n` +
        'delivery: { pollInterval: 50ms }\n',
      'stall.yaml',
      {},
      {},
    );
    const worker = new DeliveryWorker(store, config, metrics, createLogger('info', logs));
    try {
      await store.migrate();
      const app = await store.syncApplication(application('shop', [endpoint('a', { url: receiver.url, fifo: true })]), newSecret);
      await store.ingest(
        [1, 2, 3].map((n) => message(app.id, { orderingKey: 'k', sequence: n, payload: Buffer.from(JSON.stringify({ n })) })),
      );
      worker.start();
      await eventually(() => (receiver.requests.length >= 3 ? true : undefined), 20_000, 'the three deliveries, one stall check each');
      const stalls = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l.msg).includes('STALL'));
      assert.ok(stalls.length >= 1, 'logged');
      const first = stalls[0]!;
      assert.equal(first.level, 50, 'at error level');
      assert.equal(first.leasable, 1, 'one head of one key may go');
      assert.equal(first.recovered, 1);
      assert.ok((first.idleMs as number) >= STALL_POLLS * 50, `idle ${first.idleMs as number} ms`);
      assert.deepEqual(first.backlog, { pending: 3, scheduled: 0, inFlight: 0 });
      assert.ok(store.blindPasses >= STALL_POLLS, 'ordinary passes ran and leased nothing first');
      const text = await metrics.registry.metrics();
      assert.match(text, /sluice_delivery_stalls_total (\d+)/);
      assert.ok(Number(/sluice_delivery_stalls_total (\d+)/.exec(text)?.[1]) >= 3, 'one stall per head: each is found by a check');
      assert.deepEqual(
        receiver.requests.map((r) => (JSON.parse(r.body.toString()) as { n: number }).n),
        [1, 2, 3],
        'recovered in order',
      );
    } finally {
      await worker.stop(1000);
      await store.close();
      await receiver.stop();
      tmp.remove();
    }
  });

  it('stays quiet while due work waits for a head in flight (not a stall)', async () => {
    const receiver = await new Receiver(() => ({ status: 200, delayMs: 1500 })).start();
    const tmp = tempDir('sluice-stall-');
    const store = new SqliteStore(join(tmp.dir, 'sluice.db'), storeRules);
    const logs = new LogSink();
    const metrics = new Metrics();
    const config = parseConfig(
      `apiToken: test-token-0123456789abcdef\nallowPrivateNetworks: true\ntenantsInheritPrivateNetworks: true\ndataDir: ${tmp.dir}\n` +
        'delivery: { pollInterval: 50ms }\n',
      'stall.yaml',
      {},
      {},
    );
    const worker = new DeliveryWorker(store, config, metrics, createLogger('info', logs));
    try {
      await store.migrate();
      const app = await store.syncApplication(
        application('shop', [endpoint('a', { url: receiver.url, fifo: true, timeoutMs: 5000 })]),
        newSecret,
      );
      await store.ingest([1, 2].map((n) => message(app.id, { orderingKey: 'k', sequence: n })));
      worker.start();
      await eventually(() => (receiver.requests.length >= 2 ? true : undefined), 20_000, 'both deliveries');
      assert.deepEqual(
        logs.lines.filter((l) => l.includes('STALL')),
        [],
      );
      assert.match(await metrics.registry.metrics(), /sluice_delivery_stalls_total 0/);
    } finally {
      await worker.stop(1000);
      await store.close();
      await receiver.stop();
      tmp.remove();
    }
  });
});
