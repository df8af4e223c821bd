import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, tempDir } from '../helpers/gateway.ts';
import { CountingReceiver } from './receiver.ts';
import { clusterConfig, FULL, sendOne, startNodeWithRole, type Node } from './cluster.ts';
import { PgInstance } from './pg-instance.ts';

// In CI the test must run; elsewhere a machine without the server binaries skips it.
const unavailable = process.env.CI === 'true' ? undefined : PgInstance.unavailable();
if (unavailable) process.stderr.write(`scale tests: skipping PostgreSQL restart: ${unavailable}\n`);
const SENDERS = 8;
const MAX_MESSAGES = FULL ? 20_000 : 4_000;

let tmp: ReturnType<typeof tempDir>;
let pgi: PgInstance | undefined;
let receiver: CountingReceiver;
const nodes: Node[] = [];

before(async () => {
  if (unavailable) return;
  tmp = tempDir('sluice-pg-restart-');
  receiver = await new CountingReceiver(() => Math.floor(Math.random() * 3)).start();
  pgi = await PgInstance.create();
});
after(async () => {
  await Promise.all(nodes.map((n) => n.child.stop()));
  await receiver?.stop();
  await pgi?.remove();
  tmp?.remove();
});

async function readyz(node: Node): Promise<number> {
  const res = await fetch(`${node.url}/readyz`, { signal: AbortSignal.timeout(15_000) });
  await res.arrayBuffer();
  return res.status;
}

test('PostgreSQL restarted mid-run: ingest answers 503 + Retry-After while it is down, processes reconnect, every acknowledged message is delivered', {
  skip: unavailable,
  timeout: 180_000,
}, async () => {
  const instance = pgi as PgInstance;
  const config = clusterConfig(tmp.dir, instance.url, receiver.url);
  nodes.push(
    ...(await Promise.all([
      startNodeWithRole(config, 'ingest'),
      startNodeWithRole(config, 'worker', 'sluice worker#1'),
      startNodeWithRole(config, 'worker', 'sluice worker#2'),
    ])),
  );
  const [ingest, worker] = nodes as [Node, Node];

  const acked = new Set<number>();
  const statuses = new Map<number, number>();
  let without503RetryAfter = 0;
  let down = false;
  let ackedWhileDown = 0;
  let next = 0;
  let sending = true;
  const senders = Array.from({ length: SENDERS }, async () => {
    while (sending && next < MAX_MESSAGES) {
      const n = next++;
      const wasDown = down;
      // Throws (failing the test) if the gateway leaves a request unanswered for 15 s.
      const { status, retryAfter } = await sendOne(ingest.url, n);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 200) {
        acked.add(n);
        if (wasDown && down) ackedWhileDown++;
      } else if (status === 503) {
        if (!retryAfter || !/^\d+$/.test(retryAfter)) without503RetryAfter++;
        // A well-behaved sender backs off; a short pause keeps the test from spinning.
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });

  await eventually(() => (acked.size >= 300 ? true : undefined), 30_000, 'messages acknowledged before the restart');
  await instance.stop();
  down = true;
  const ackedAtStop = acked.size;
  const failedAtStop = statuses.get(503) ?? 0;
  await eventually(
    () => ((statuses.get(503) ?? 0) >= failedAtStop + 20 ? true : undefined),
    20_000,
    'ingest refusing while the database is down',
  );
  assert.equal(await readyz(ingest), 503, 'readyz of the ingest process while the database is down');
  assert.equal(await readyz(worker), 503, 'readyz of a worker process while the database is down');
  await new Promise((r) => setTimeout(r, 1000));
  // Cleared before starting: from here on the server may accept connections at any moment.
  down = false;
  await instance.start();

  await eventually(() => (acked.size >= ackedAtStop + 300 ? true : undefined), 30_000, 'ingest acknowledging again after the restart');
  sending = false;
  await Promise.all(senders);

  await eventually(
    () => ([...acked].every((n) => receiver.seen.has(n)) ? true : undefined),
    60_000,
    `every acknowledged message delivered (${[...acked].filter((n) => !receiver.seen.has(n)).length} of ${acked.size} missing)`,
  );

  assert.deepEqual([...statuses.keys()].sort(), [200, 503], `ingest statuses: ${JSON.stringify([...statuses])}`);
  assert.equal(without503RetryAfter, 0, '503 without a numeric Retry-After');
  assert.equal(ackedWhileDown, 0, 'a request sent and answered while the database was down was acknowledged');
  assert.deepEqual(receiver.overlaps, [], 'a delivery was attempted twice at the same time');
  for (const node of nodes) {
    assert.ok(node.child.running, `${node.child.name} died:\n${node.child.tail(60)}`);
    assert.equal(await readyz(node), 200, `${node.child.name} ready again`);
  }
});
