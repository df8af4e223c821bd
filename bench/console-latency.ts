/**
 * The console's list and overview latency with a large store:
 *   node --import tsx bench/console-latency.ts [--messages 1000000] [--store sqlite|postgres]
 * Fills a fresh store (messages with one delivery each, a few dead and invalid
 * ones, seven days of per-minute counters from three processes and five
 * sources), starts a gateway on it, and times each console request (median
 * and worst of several, over loopback HTTP). Prints a Markdown table.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/gateway/config.ts';
import { startGateway } from '../src/gateway/gateway.ts';
import { createLogger } from '../src/observability/logger.ts';
import { generateSecret } from '../src/signing/standard-webhooks.ts';
import { openStore } from '../src/gateway/open-store.ts';
import type { FlowRow } from '../src/store/console.ts';
import type { NewMessage } from '../src/store/store.ts';
import { API_TOKEN, LogSink, tempDir } from '../test/helpers/gateway.ts';
import { freshDatabase, sql } from '../test/scale/cluster.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    store: { type: 'string', default: 'sqlite' },
    'no-analyze': { type: 'boolean' },
  },
});
const total = Number(values.messages);
const tmp = tempDir('sluice-console-bench-');
const db = values.store === 'postgres' ? await freshDatabase() : undefined;
const storageUrl = db ? db.url : `sqlite:${tmp.dir}/sluice.db`;
const yaml = `apiToken: ${API_TOKEN}
server: { host: 127.0.0.1, port: 0 }
dataDir: ${tmp.dir}
storage: { url: "${storageUrl}" }
allowPrivateNetworks: true
applications:
  billing:
    endpoints:
      - { id: ledger, url: "http://127.0.0.1:9/never", disabled: DISABLED }
sources:
  stripe: { provider: standard-webhooks, application: billing, secret: ${generateSecret()} }
`;
// Filled with the endpoint enabled (a pending delivery per message: a backlog of the same size), served with it
// disabled, so nothing drains the backlog while the requests are timed.
const fillConfig = parseConfig(yaml.replace('DISABLED', 'false'), 'bench.yaml', {}, {});
const config = parseConfig(yaml.replace('DISABLED', 'true'), 'bench.yaml', {}, {});

// Fill the store directly, in large transactions: the point is the size, not how it got there.
const store = await openStore(config.storageUrl, { ...config.storage, onIdleError: () => undefined });
await store.migrate();
const app = await store.syncApplication(fillConfig.applications.billing!, generateSecret);
const started = Date.now();
const types = ['invoice.paid', 'invoice.failed', 'customer.created', 'charge.refunded', 'payout.paid'];
const batch = 2000;
let needleId = '';
for (let i = 0; i < total; i += batch) {
  const items: NewMessage[] = [];
  for (let j = i; j < Math.min(total, i + batch); j++) {
    const needle = j === Math.floor(total / 2);
    items.push({
      appId: app.id,
      source: 'stripe',
      eventType: types[j % types.length] as string,
      eventId: `evt_${j}`,
      orderingKey: null,
      sequence: null,
      payload: Buffer.from(
        JSON.stringify({ id: `evt_${j}`, data: { amount: j % 10_000, customer: needle ? 'cus_needle' : `cus_${j % 5000}` } }),
      ),
      contentType: 'application/json',
      headers: {},
      channels: null,
      state: j % 10_000 === 0 ? 'invalid' : 'accepted',
      error: j % 10_000 === 0 ? 'schema' : null,
      dedupeScope: 'source:stripe',
      dedupeUntil: null,
    });
  }
  const out = await store.ingest(items);
  if (i <= total / 2 && total / 2 < i + batch) needleId = (out[Math.floor(total / 2) - i] as { messageId: string }).messageId;
  if (i % 100_000 === 0) process.stderr.write(`filled ${i} messages (${Math.round((Date.now() - started) / 1000)} s)\n`);
}
// A hundred dead letters, the oldest messages' (the far end of a newest-first scan).
const leased = await store.leaseDue({
  owner: 'bench',
  now: Date.now() + 1000,
  limit: 100,
  defaultTimeoutMs: 1000,
  defaultConcurrency: 1000,
  leaseGraceMs: 1000,
});
await store.recordAttempts(
  leased.map((l) => ({
    deliveryId: l.delivery.id,
    leaseOwner: 'bench',
    next: { state: 'dead' as const },
    attempt: {
      deliveryId: l.delivery.id,
      messageId: l.message.id,
      endpointId: l.endpoint.id,
      appId: l.message.appId,
      url: l.endpoint.url,
      trigger: 'scheduled' as const,
      startedAt: Date.now(),
      durationMs: 5,
      status: 500,
      responseBody: 'no',
      error: null,
      succeeded: false,
    },
  })),
);
const now = Date.now();
const rows: FlowRow[] = [];
for (let m = now - 7 * 86_400_000; m < now; m += 60_000) {
  for (const source of ['stripe', 'github', 'shopify', 'slack', '']) {
    rows.push({
      minute: m - (m % 60_000),
      source,
      received: 20,
      verified: 19,
      rejected: 1,
      duplicates: 1,
      delivered: 19,
      failed: 1,
      latencySumMs: 19 * 40,
    });
  }
}
for (const owner of ['p_a', 'p_b', 'p_c'])
  for (let i = 0; i < rows.length; i += 5000) await store.addFlowCounts(owner, rows.slice(i, i + 5000));
await store.close();
process.stderr.write(`filled ${total} messages and ${rows.length * 3} counter rows in ${Math.round((Date.now() - started) / 1000)} s\n`);
// A store filled in two minutes has no planner statistics yet: autovacuum analyzes a partition only after
// a while, and never the partitioned parent. A gateway that has been running has them; so does this one
// (`--no-analyze` measures the store as the fill left it).
if (db && !values['no-analyze']) {
  const t = Date.now();
  await sql(db.url, 'ANALYZE');
  process.stderr.write(`ANALYZE in ${Math.round((Date.now() - t) / 1000)} s\n`);
}

const gw = await startGateway(config, createLogger('error', new LogSink()));
const get = async (path: string) => {
  const t = performance.now();
  const res = await fetch(`${gw.url}/api/v1${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
  const body = (await res.json()) as { iterator?: string; data?: unknown[] };
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - t, body };
};
const first = await get('/messages?limit=50');
let deep = first.body.iterator as string;
for (let i = 0; i < 200; i++) deep = (await get(`/messages?limit=50&iterator=${deep}`)).body.iterator as string;
const cases: Array<[string, string]> = [
  ['overview, 1 h', '/stats/overview?window=1h'],
  ['overview, 24 h', '/stats/overview?window=24h'],
  ['overview, 7 d', '/stats/overview?window=7d'],
  ['messages, first page (50, with deliveries)', '/messages?limit=50&withDeliveries=true'],
  ['messages, page 200 deep (iterator)', `/messages?limit=50&iterator=${deep}`],
  ['messages, by event type', '/messages?limit=50&eventType=charge.refunded'],
  ['messages, by application and source', '/messages?limit=50&app=billing&source=stripe'],
  ['messages, by event id', `/messages?limit=50&eventId=evt_${Math.floor(total / 3)}`],
  ['messages, invalid (quarantine)', '/messages?limit=50&state=invalid'],
  ['messages, dead deliveries', '/messages?limit=50&deliveryState=dead'],
  ['messages, time range (last hour)', `/messages?limit=50&after=${new Date(Date.now() - 3_600_000).toISOString()}`],
  ['messages, payload search (one window)', '/messages?limit=50&q=cus_needle'],
  ['sources', '/sources'],
];
const lines = ['| request | median ms | worst ms |', '|---|---:|---:|'];
// The queue depth is counted once per 5 s and reused: the first overview pays for it, reported on its own.
const cold = await get('/stats/overview?window=5m');
lines.push(
  `| overview, 5 min, queue counted afresh (${total.toLocaleString('en-US')} pending) | ${cold.ms.toFixed(0)} | ${cold.ms.toFixed(0)} |`,
);
for (const [name, path] of cases) {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) times.push((await get(path)).ms);
  times.sort((a, b) => a - b);
  lines.push(`| ${name} | ${times[3]!.toFixed(1)} | ${times[6]!.toFixed(1)} |`);
}
await gw.stop();
await db?.drop();
tmp.remove();
console.log(
  `${total.toLocaleString('en-US')} messages on ${values.store}${db ? (values['no-analyze'] ? ', not analyzed' : ', analyzed') : ''}, needle ${needleId}, run ${randomBytes(2).toString('hex')}\n`,
);
console.log(lines.join('\n'));
