import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { startNode, type Child } from '../../bench/lib/child.ts';
import { parseConfig } from '../../src/gateway/config.ts';
import { startGateway } from '../../src/gateway/gateway.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { DATABASE_URL } from '../store/harness.ts';
import { API_TOKEN, LogSink, tempDir } from '../helpers/gateway.ts';
import { STD_SECRET } from '../helpers/signing.ts';
import { checkConsumer, doubledShuffled, FlakyConsumer, sendConcurrently, waitForAll, type Outgoing } from './scenario.ts';

/**
 * The disorder scenario of docs/ordering.md: every event sent twice, all
 * shuffled, to a FIFO endpoint that fails 20% of requests at random (half of
 * those after it has processed the request, so at-least-once repeats happen).
 * The short form runs in `npm test`; SLUICE_DISORDER_FULL=1 runs 10,000 events
 * over 500 keys.
 */
const FULL = process.env.SLUICE_DISORDER_FULL === '1';
/** Short forms: SQLite 2,000 events over 100 keys; PostgreSQL (four processes on two cores) 1,000 over 50. */
const SIZES: Record<'sqlite' | 'postgres', [events: number, keys: number]> = {
  sqlite: FULL ? [10_000, 500] : [2_000, 100],
  postgres: FULL ? [10_000, 500] : [1_000, 50],
};
let EVENTS = 0;
let KEYS = 0;
let PER_KEY = 0;
function size(store: keyof typeof SIZES): void {
  EVENTS = SIZES[store][0];
  KEYS = SIZES[store][1];
  PER_KEY = EVENTS / KEYS;
}
const SENDERS = 32;
const hook = new Webhook(STD_SECRET);

function configYaml(dir: string, storageUrl: string, receiverUrl: string): string {
  const retry = `[${Array.from({ length: 40 }, () => '30ms').join(', ')}]`;
  return [
    `apiToken: ${API_TOKEN}`,
    'allowPrivateNetworks: true',
    'server: { host: 127.0.0.1, port: 0 }',
    `dataDir: "${dir}"`,
    `storage: { url: "${storageUrl}" }`,
    'logLevel: error',
    'delivery: { concurrency: 128, endpointConcurrency: 128, pollInterval: 100ms }',
    'applications:',
    '  shop:',
    '    endpoints:',
    `      - { id: ordered, url: "${receiverUrl}", fifo: true, stale: deliver, timeout: 5s, retry: ${retry} }`,
    'sources:',
    `  std: { provider: standard-webhooks, secrets: ["${STD_SECRET}"], application: shop, orderingKey: "body:$.key", sequence: "body:$.seq", reorderWindow: 500ms }`,
    '',
  ].join('\n');
}

function requests(): Outgoing[] {
  const out: Outgoing[] = [];
  for (let k = 0; k < KEYS; k++) {
    for (let seq = 1; seq <= PER_KEY; seq++) {
      out.push({ id: `evt_k${k}_${seq}`, key: `k${k}`, seq, body: JSON.stringify({ key: `k${k}`, seq, data: { n: k * PER_KEY + seq } }) });
    }
  }
  return out;
}

async function sendAll(ingestUrl: string): Promise<void> {
  await sendConcurrently(doubledShuffled(requests()), SENDERS, async ({ id, body }) => {
    const at = new Date();
    const res = await fetch(`${ingestUrl}/in/std`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': hook.sign(id, at, body),
      },
    });
    assert.equal(res.status, 200, await res.text());
  });
}

const newConsumer = (): FlakyConsumer => new FlakyConsumer((body) => body as { key: string; seq: number });

describe('ordering: the disorder scenario (each event twice, shuffled, 20% failures)', () => {
  it(`on SQLite, one process (${SIZES.sqlite[0]} events over ${SIZES.sqlite[1]} keys)`, async () => {
    size('sqlite');
    const consumer = newConsumer();
    await consumer.start();
    const tmp = tempDir('sluice-disorder-');
    const config = parseConfig(configYaml(tmp.dir, `sqlite:${join(tmp.dir, 'sluice.db')}`, consumer.url), 'disorder.yaml', {}, {});
    const gateway = await startGateway(config, createLogger('error', new LogSink()));
    try {
      const t0 = Date.now();
      await sendAll(gateway.url);
      const sent = Date.now() - t0;
      await waitForAll(consumer, EVENTS, FULL ? 600_000 : 120_000);
      const flagged = checkConsumer(consumer, EVENTS);
      const app = await gateway.store.getApplication('shop');
      for (const id of flagged) {
        const [delivery] = await gateway.store.listDeliveries(app!.id, id);
        assert.equal(delivery?.stale, true, `${id} is recorded as stale`);
      }
      process.stderr.write(
        `disorder/sqlite: ${EVENTS} events, ingest ${sent} ms, all delivered ${Date.now() - t0} ms, ` +
          `${consumer.requests} requests, ${flagged.length} stale\n`,
      );
    } finally {
      await gateway.stop();
      await consumer.stop();
      tmp.remove();
    }
  });

  it(`on PostgreSQL, one ingest process and three worker processes (${SIZES.postgres[0]} events over ${SIZES.postgres[1]} keys)`, async (t) => {
    size('postgres');
    const admin = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
    try {
      await admin.connect();
    } catch (err) {
      if (process.env.CI === 'true') throw err;
      t.skip(`PostgreSQL unreachable at ${DATABASE_URL}`);
      return;
    }
    const database = `sluice_disorder_${randomBytes(5).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(DATABASE_URL);
    url.pathname = `/${database}`;
    const consumer = newConsumer();
    await consumer.start();
    const tmp = tempDir('sluice-disorder-pg-');
    const file = join(tmp.dir, 'sluice.yaml');
    writeFileSync(file, configYaml(tmp.dir, url.toString(), consumer.url));
    const children: Child[] = [];
    const start = async (role: string): Promise<string> => {
      const child = startNode(`sluice ${role}`, 'bin/sluice', ['serve', '--config', file, '--role', role], { tsx: false });
      children.push(child);
      return (await child.waitFor(/Sluice listening on (http:\/\/[\d.]+:\d+)/, 60_000))[1] as string;
    };
    try {
      const ingestUrl = await start('ingest');
      await Promise.all([start('worker'), start('worker'), start('worker')]);
      const t0 = Date.now();
      await sendAll(ingestUrl);
      const sent = Date.now() - t0;
      await waitForAll(consumer, EVENTS, FULL ? 600_000 : 180_000);
      const flagged = checkConsumer(consumer, EVENTS);
      const db = new pg.Client({ connectionString: url.toString() });
      await db.connect();
      try {
        const stale = (
          await db.query<{ message_id: string }>('SELECT message_id FROM deliveries WHERE stale ORDER BY message_id')
        ).rows.map((r) => r.message_id);
        assert.deepEqual(stale.sort(), flagged, 'the deliveries recorded as stale are exactly the ones sent flagged');
        const owners = (await db.query<{ n: string }>(`SELECT count(DISTINCT endpoint_id) AS n FROM attempts`)).rows[0]?.n;
        assert.equal(owners, '1');
      } finally {
        await db.end();
      }
      process.stderr.write(
        `disorder/postgres (3 workers): ${EVENTS} events, ingest ${sent} ms, all delivered ${Date.now() - t0} ms, ` +
          `${consumer.requests} requests, ${flagged.length} stale\n`,
      );
    } finally {
      await Promise.all(children.map((c) => c.stop()));
      await consumer.stop();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
      tmp.remove();
    }
  });
});
