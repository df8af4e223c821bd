import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/gateway/config.ts';
import { startGateway, type Gateway } from '../../src/gateway/gateway.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { runCli } from '../helpers/cli.ts';
import { API_TOKEN, eventually, LogSink, tempDir } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { ENDPOINT_SECRET, freshDatabase, postgresSkip, sendOne, sql, SOURCE_SECRET } from './cluster.ts';

const skip = await postgresSkip();

function config(dir: string, storageUrl: string, good: string, flaky: string): string {
  return [
    `apiToken: ${API_TOKEN}`,
    'allowPrivateNetworks: true',
    'server: { host: 127.0.0.1, port: 0 }',
    `dataDir: "${dir}"`,
    `storage: { url: "${storageUrl}" }`,
    // `flaky` fails on purpose: keep its circuit breaker from opening and holding its retries back.
    'delivery: { pollInterval: 100ms, breaker: { failures: 100000, minAttempts: 100000 } }',
    'applications:',
    '  app:',
    '    endpoints:',
    `      - { id: good, url: "${good}", secret: "${ENDPOINT_SECRET}" }`,
    `      - { id: flaky, url: "${flaky}", retry: [2s, 2s, 2s, 2s, 2s, 2s] }`,
    'sources:',
    `  std: { provider: standard-webhooks, secrets: ["${SOURCE_SECRET}"], application: app }`,
    '',
  ].join('\n');
}

async function start(text: string): Promise<Gateway> {
  return startGateway(parseConfig(text, 'test.yaml', {}, {}), createLogger('warn', new LogSink()));
}

async function api<T>(gateway: Gateway, path: string): Promise<T> {
  const res = await fetch(`${gateway.url}/api/v1${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
  assert.equal(res.status, 200, path);
  return (await res.json()) as T;
}

test('migrate-data: an SQLite installation moves to PostgreSQL with its messages, secrets, dedupe memory, history and pending deliveries', {
  skip,
  timeout: 90_000,
}, async () => {
  const tmp = tempDir('sluice-migrate-data-');
  const good = await new Receiver().start();
  const flaky = await new Receiver(() => ({ status: 503 })).start();
  const db = await freshDatabase();
  const sqliteUrl = `sqlite:${join(tmp.dir, 'sluice.db')}`;
  const COUNT = 20;
  let pgGateway: Gateway | undefined;
  try {
    // 1. A single-machine installation: every message reaches `good`; `flaky` fails once and waits for its retry.
    const sqliteGateway = await start(config(tmp.dir, sqliteUrl, good.url, flaky.url));
    const ids: string[] = [];
    try {
      for (let n = 0; n < COUNT; n++) assert.equal((await sendOne(sqliteGateway.url, n)).status, 200);
      await good.waitFor(COUNT);
      await flaky.waitFor(COUNT);
      const list = await api<{ data: Array<{ id: string }> }>(sqliteGateway, '/app/app/msg?limit=100');
      ids.push(...list.data.map((m) => m.id).sort());

      // The file is locked while its gateway runs: copying it then is refused.
      const busy = await runCli(['migrate-data', '--from', sqliteUrl, '--to', db.url]);
      assert.equal(busy.code, 2, busy.stderr);
      assert.match(busy.stderr, /in use by another Sluice process/);
    } finally {
      await sqliteGateway.stop();
    }
    // Every request the receivers saw is an attempt the stopped gateway recorded.
    const flakyBefore = flaky.requests.length;
    const firstTries = flaky.requests.filter((r) => r.headers['webhook-id'] === ids[0]).length;

    // 2. The copy.
    const copied = await runCli(['migrate-data', '--from', sqliteUrl, '--to', db.url]);
    assert.equal(copied.code, 0, copied.stderr);
    const rows = Object.fromEntries(
      copied.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('\t'))
        .map(([t, n]) => [t, Number(n)]),
    );
    assert.equal(rows.messages, COUNT);
    assert.equal(rows.deliveries, COUNT * 2);
    assert.equal(rows.attempts, COUNT + flakyBefore);
    assert.equal(rows.applications, 1);
    assert.equal(rows.endpoints, 2);
    const states = await sql(db.url, `SELECT state, count(*)::int AS n FROM deliveries GROUP BY state ORDER BY state`);
    assert.deepEqual(states, [
      { state: 'scheduled', n: COUNT },
      { state: 'succeeded', n: COUNT },
    ]);

    // A second copy into the now-filled database is refused, and changes nothing.
    const again = await runCli(['migrate-data', '--from', sqliteUrl, '--to', db.url]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already holds data \(1 applications, 2 endpoints, 20 messages/);
    assert.equal((await sql(db.url, 'SELECT count(*)::int AS n FROM messages'))[0]?.n, COUNT);

    // 3. Sluice on PostgreSQL, same config: the pending deliveries go out, the finished ones do not repeat.
    flaky.respond(() => ({ status: 200 }));
    pgGateway = await start(config(tmp.dir, db.url, good.url, flaky.url));
    await flaky.waitFor(flakyBefore + COUNT, 30_000);
    const list = await api<{ data: Array<{ id: string }> }>(pgGateway, '/app/app/msg?limit=100');
    assert.deepEqual(list.data.map((m) => m.id).sort(), ids);
    const redelivered = flaky.requests
      .slice(flakyBefore)
      .map((r) => String(r.headers['webhook-id']))
      .sort();
    assert.deepEqual(redelivered, ids, 'each pending delivery went out with its original webhook-id');
    // The receiver has the request before Sluice has recorded the attempt: wait for the record.
    const gw = pgGateway;
    const attempts = await eventually(
      async () => {
        const page = await api<{ data: unknown[] }>(gw, `/app/app/attempt/msg/${ids[0]}?limit=10`);
        return page.data.length >= 1 + firstTries + 1 ? page : undefined;
      },
      10_000,
      'the new attempt to be recorded',
    );
    assert.equal(attempts.data.length, 1 + firstTries + 1, 'the SQLite attempts came along (good + flaky) and the new one joined them');

    // The dedupe memory came along: a provider retry of an old event is a duplicate of the same message.
    const dup = await sendOne(pgGateway.url, 3);
    assert.equal(dup.status, 200);
    assert.equal(await eventually(async () => (await sql(db.url, 'SELECT count(*)::int AS n FROM messages'))[0]?.n as number), COUNT);
    // The endpoint secret came along: a new message to `good` is signed with the same key as before.
    assert.equal((await sendOne(pgGateway.url, 1000)).status, 200);
    await good.waitFor(COUNT + 1);
    assert.equal(good.requests.length, COUNT + 1, 'no succeeded delivery was repeated');
    const { Webhook } = await import('standardwebhooks');
    const last = good.requests[COUNT] as (typeof good.requests)[number];
    assert.doesNotThrow(() => new Webhook(ENDPOINT_SECRET).verify(last.body, last.headers as Record<string, string>));
  } finally {
    await pgGateway?.stop();
    await good.stop();
    await flaky.stop();
    await db.drop();
    tmp.remove();
  }
});

test('migrate-data: bad arguments get exit 2 and a reason', async () => {
  const missing = await runCli(['migrate-data', '--from', 'sqlite:/nowhere.db']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /needs --from and --to/);
  const wrongWay = await runCli(['migrate-data', '--from', 'postgres://postgres@127.0.0.1/x', '--to', 'sqlite:./x.db']);
  assert.equal(wrongWay.code, 2);
  assert.match(wrongWay.stderr, /--from must be sqlite:PATH/);
  const tmp = tempDir('sluice-migrate-data-bad-');
  try {
    const unreachable = await runCli(['migrate-data', '--from', `sqlite:${tmp.dir}/s.db`, '--to', 'postgres://postgres@127.0.0.1:1/x']);
    assert.equal(unreachable.code, 2);
    assert.match(unreachable.stderr, /cannot open PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/x/);
  } finally {
    tmp.remove();
  }
});
