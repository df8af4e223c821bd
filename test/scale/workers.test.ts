import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, tempDir } from '../helpers/gateway.ts';
import { CountingReceiver } from './receiver.ts';
import { clusterConfig, deliveredBy, freshDatabase, FULL, postgresSkip, sendAll, sql, startNodeWithRole, type Node } from './cluster.ts';

const skip = await postgresSkip();
const MESSAGES = FULL ? 5_000 : 1_200;

/** One ingest and three worker processes on a fresh database, delivering to `receiver`. */
async function cluster(
  tmpDir: string,
  receiver: CountingReceiver,
  endpointConcurrency?: number,
): Promise<{ ingest: Node; workers: Node[]; dbUrl: string; stop: () => Promise<void> }> {
  const db = await freshDatabase();
  const config = clusterConfig(tmpDir, db.url, receiver.url, { endpointConcurrency });
  const nodes: Node[] = [];
  try {
    nodes.push(
      ...(await Promise.all([
        startNodeWithRole(config, 'ingest'),
        startNodeWithRole(config, 'worker', 'sluice worker#1'),
        startNodeWithRole(config, 'worker', 'sluice worker#2'),
        startNodeWithRole(config, 'worker', 'sluice worker#3'),
      ])),
    );
  } catch (err) {
    await Promise.all(nodes.map((n) => n.child.kill()));
    await db.drop();
    throw err;
  }
  return {
    ingest: nodes[0] as Node,
    workers: nodes.slice(1),
    dbUrl: db.url,
    stop: async () => {
      await Promise.all(nodes.map((n) => n.child.stop()));
      await db.drop();
    },
  };
}

async function count(dbUrl: string, text: string): Promise<number> {
  const [row] = await sql(dbUrl, text);
  return Number(row?.n);
}

describe('scale-out on PostgreSQL: one ingest and three worker processes', { skip }, () => {
  let tmp: ReturnType<typeof tempDir>;
  before(() => {
    tmp = tempDir('sluice-scale-');
  });
  after(() => tmp?.remove());

  test(`${MESSAGES} messages: each delivered exactly once, never two attempts of one at a time, attempts = deliveries`, {
    timeout: FULL ? 600_000 : 120_000,
  }, async () => {
    // A few ms per answer, so attempts overlap in time and a doubly-leased delivery would be caught open twice.
    const receiver = await new CountingReceiver(() => Math.floor(Math.random() * 4)).start();
    const c = await cluster(tmp.dir, receiver);
    try {
      await sendAll(c.ingest.url, 0, MESSAGES);
      await eventually(
        () => (receiver.seen.size >= MESSAGES ? true : undefined),
        FULL ? 300_000 : 90_000,
        `${MESSAGES} deliveries (have ${receiver.seen.size})`,
      );
      // Let a stray second attempt, if any, arrive before counting.
      await eventually(
        async () => (await count(c.dbUrl, `SELECT count(*) AS n FROM deliveries WHERE state <> 'succeeded'`)) === 0 || undefined,
        10_000,
        'all deliveries succeeded',
      );

      assert.equal(receiver.seen.size, MESSAGES);
      const suspects = [...new Set([...receiver.overlaps, ...receiver.repeated()])];
      const detail =
        suspects.length === 0
          ? ''
          : JSON.stringify(
              await sql(
                c.dbUrl,
                `SELECT message_id, started_at, duration_ms, status, error
        FROM attempts WHERE message_id = ANY($1::text[]) ORDER BY message_id, started_at`,
                [suspects],
              ),
            );
      assert.deepEqual(receiver.overlaps, [], `a delivery was attempted twice at the same time: ${detail}`);
      assert.deepEqual(receiver.repeated(), [], `a delivery was attempted twice though every attempt succeeded: ${detail}`);
      assert.equal(receiver.total, MESSAGES);
      assert.equal(await count(c.dbUrl, 'SELECT count(*) AS n FROM deliveries'), MESSAGES);
      assert.equal(await count(c.dbUrl, 'SELECT count(*) AS n FROM attempts'), MESSAGES);
      assert.equal(await count(c.dbUrl, 'SELECT count(*) AS n FROM attempts WHERE succeeded'), MESSAGES);

      // The ingest process delivered nothing; the workers shared the work and together made every attempt.
      assert.equal(await deliveredBy(c.ingest), 0);
      // Counted just after each attempt's commit, so the last few may lag the database by a moment.
      let perWorker: number[] = [];
      await eventually(
        async () => {
          perWorker = await Promise.all(c.workers.map(deliveredBy));
          return perWorker.reduce((a, b) => a + b, 0) >= MESSAGES ? true : undefined;
        },
        10_000,
        "the workers' attempt counters",
      );
      assert.equal(
        perWorker.reduce((a, b) => a + b, 0),
        MESSAGES,
        `per worker: ${perWorker.join(', ')}`,
      );
      assert.ok(perWorker.filter((n) => n > 0).length >= 2, `the work was not shared: ${perWorker.join(', ')}`);
    } finally {
      await c.stop();
      await receiver.stop();
    }
  });

  test('a worker killed with SIGKILL mid-run: its leased deliveries are taken by the others once the leases expire', {
    timeout: FULL ? 600_000 : 120_000,
  }, async () => {
    const total = Math.round(MESSAGES / 2);
    // Slow answers keep every worker holding leases at any moment, including the one about to die:
    // each answer takes far longer than the gap between seeing the victim's lease and killing it.
    const receiver = await new CountingReceiver(() => 200 + Math.floor(Math.random() * 50)).start();
    const c = await cluster(tmp.dir, receiver, 12);
    try {
      const sending = sendAll(c.ingest.url, 0, total);
      const victim = c.workers[0] as Node;
      await eventually(
        async () =>
          (await count(c.dbUrl, `SELECT count(*) AS n FROM deliveries WHERE state = 'in_flight' AND lease_owner = '${victim.owner}'`)) >
            0 || undefined,
        30_000,
        'the victim holding a lease',
      );
      await victim.child.kill();
      // Read at once: the leases expire within 7 s (timeout + grace) and the survivors take them back.
      const orphaned = await sql(c.dbUrl, `SELECT id, lease_expires_at FROM deliveries WHERE state = 'in_flight' AND lease_owner = $1`, [
        victim.owner,
      ]);
      await sending;
      // Its attempt records may have been in flight too; whatever it still held is what the others must finish.
      await eventually(
        () => (receiver.seen.size >= total ? true : undefined),
        FULL ? 300_000 : 90_000,
        `${total} deliveries (have ${receiver.seen.size})`,
      );
      await eventually(
        async () => (await count(c.dbUrl, `SELECT count(*) AS n FROM deliveries WHERE state <> 'succeeded'`)) === 0 || undefined,
        30_000,
        'all deliveries succeeded',
      );

      assert.ok(orphaned.length > 0, 'the killed worker held no lease');
      for (const row of orphaned) {
        const attempts = await sql(c.dbUrl, 'SELECT started_at FROM attempts WHERE delivery_id = $1 AND succeeded', [row.id]);
        assert.equal(attempts.length, 1, `delivery ${String(row.id)} succeeded once`);
        // Taken over only after the dead worker's lease ran out: never while it might still have been sending.
        assert.ok(
          Number(attempts[0]?.started_at) >= Number(row.lease_expires_at),
          `delivery ${String(row.id)} was retaken before its lease expired`,
        );
      }
      assert.equal(receiver.seen.size, total);
      assert.deepEqual(receiver.overlaps, [], 'a delivery was attempted twice at the same time');
      // At-least-once: only deliveries the dead worker held may have arrived twice.
      const orphanMessages = new Set(
        (
          await sql(c.dbUrl, 'SELECT m.id FROM messages m JOIN deliveries d ON d.message_id = m.id WHERE d.id = ANY($1::text[])', [
            orphaned.map((r) => r.id),
          ])
        ).map((r) => r.id as string),
      );
      for (const id of receiver.repeated()) assert.ok(orphanMessages.has(id), `${id} arrived twice but was not the dead worker's`);
      const survivors = await Promise.all(c.workers.slice(1).map(deliveredBy));
      assert.ok(
        survivors.every((n) => n > 0),
        `survivors: ${survivors.join(', ')}`,
      );
    } finally {
      await c.stop();
      await receiver.stop();
    }
  });
});
