import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { API_TOKEN, eventually, tempDir } from '../helpers/gateway.ts';
import { CountingReceiver } from './receiver.ts';
import { clusterConfig, freshDatabase, postgresSkip, sendOne, sql, startNodeWithRole, type Node } from './cluster.ts';

const skip = await postgresSkip();

async function status(url: string, init: RequestInit = {}): Promise<number> {
  const res = await fetch(url, { ...init, headers: { authorization: `Bearer ${API_TOKEN}`, ...(init.headers ?? {}) } });
  await res.arrayBuffer();
  return res.status;
}

describe('sluice serve --role', { skip }, () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let receiver: CountingReceiver;
  const nodes: Record<string, Node> = {};

  before(async () => {
    tmp = tempDir('sluice-roles-');
    db = await freshDatabase();
    receiver = await new CountingReceiver().start();
    const config = clusterConfig(tmp.dir, db.url, receiver.url);
    // Started together: they race to migrate and to sync the config's application, and must agree.
    const started = await Promise.all((['ingest', 'api', 'worker'] as const).map((role) => startNodeWithRole(config, role)));
    for (const node of started) nodes[node.child.name.split(' ')[1] as string] = node;
  });
  after(async () => {
    await Promise.all(Object.values(nodes).map((n) => n.child.stop()));
    await receiver?.stop();
    await db?.drop();
    tmp?.remove();
  });

  test('each role serves only its part; every role answers health, readiness and metrics', async () => {
    const { ingest, api, worker } = nodes as Record<'ingest' | 'api' | 'worker', Node>;
    for (const node of [ingest, api, worker]) {
      assert.equal(await status(`${node.url}/healthz`), 200, node.child.name);
      assert.equal(await status(`${node.url}/readyz`), 200, node.child.name);
      assert.equal(await status(`${node.url}/metrics`), 200, node.child.name);
    }
    assert.equal(await status(`${api.url}/api/v1/health`), 204);
    assert.equal(await status(`${ingest.url}/api/v1/health`), 404);
    assert.equal(await status(`${worker.url}/api/v1/health`), 404);
    assert.equal(await status(`${api.url}/in/std`, { method: 'POST', body: '{}' }), 404);
    assert.equal(await status(`${worker.url}/in/std`, { method: 'POST', body: '{}' }), 404);
    assert.equal(ingest.owner, undefined, 'an ingest process runs no delivery worker');
    assert.match(worker.owner ?? '', /^w_/);
    const migrated = await sql(db.url, 'SELECT count(*)::int AS n FROM schema_migrations');
    const apps = await sql(db.url, 'SELECT count(*)::int AS n FROM applications');
    assert.ok((migrated[0]?.n as number) >= 1);
    assert.equal(apps[0]?.n, 1, 'three processes synced one application');
  });

  test('a message taken by the ingest process is delivered by the worker process and readable through the API process', async () => {
    const { ingest, api, worker } = nodes as Record<'ingest' | 'api' | 'worker', Node>;
    const before = receiver.total;
    assert.equal((await sendOne(ingest.url, 1)).status, 200);
    for (let i = 0; i < 200 && receiver.total === before; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(receiver.total, before + 1);
    assert.ok(receiver.seen.has(1));
    // The attempt is recorded just after the receiver answered.
    await eventually(
      async () => ((await sql(db.url, `SELECT state FROM deliveries`))[0]?.state === 'succeeded' ? true : undefined),
      10_000,
      'the delivery recorded as succeeded',
    );
    const res = await fetch(`${api.url}/api/v1/app/app/msg?limit=10`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    assert.equal(res.status, 200);
    const list = (await res.json()) as { data: Array<{ id: string }> };
    assert.equal(list.data.length, 1);
    assert.ok(worker.child.running && ingest.child.running);
  });
});

describe('roles and SQLite', () => {
  test('a split role on SQLite is refused with exit 2 and says why; a bad role too', async () => {
    const tmp = tempDir('sluice-roles-sqlite-');
    try {
      const config = clusterConfig(tmp.dir, `sqlite:${tmp.dir}/sluice.db`, 'http://127.0.0.1:9/hooks');
      const refused = await runCli(['serve', '--config', config, '--role', 'worker']);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /--role worker needs PostgreSQL/);
      const bad = await runCli(['serve', '--config', config, '--role', 'scheduler']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--role must be one of all, ingest, worker, api/);
      const badEnv = await runCli(['serve', '--config', config], { env: { SLUICE_ROLE: 'everything' } });
      assert.equal(badEnv.code, 2);
      assert.match(badEnv.stderr, /SLUICE_ROLE must be one of/);
    } finally {
      tmp.remove();
    }
  });
});

describe('sluice migrate', { skip }, () => {
  test('--print shows the pending SQL without applying it; psql can run it; migrate then has nothing left', async () => {
    const db = await freshDatabase();
    try {
      const printed = await runCli(['migrate', '--print', '--database-url', db.url]);
      assert.equal(printed.code, 0, printed.stderr);
      assert.match(printed.stdout, /-- 001_init\.sql\n/);
      assert.match(printed.stdout, /CREATE TABLE deliveries/);
      const tables = await sql(db.url, `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`);
      assert.equal(tables[0]?.n, 0, '--print applied nothing');

      // The DBA's path: run the printed script by hand, then Sluice finds nothing to do.
      const psql = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', db.url], { stdio: ['pipe', 'ignore', 'pipe'] });
      let psqlErr = '';
      psql.stderr.on('data', (d: Buffer) => (psqlErr += d.toString()));
      psql.stdin.end(printed.stdout);
      const code = await new Promise<number | null>((resolve) => psql.on('exit', resolve));
      assert.equal(code, 0, psqlErr);
      const again = await runCli(['migrate', '--database-url', db.url]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /is up to date/);
      const nothing = await runCli(['migrate', '--print'], { env: { SLUICE_DATABASE_URL: db.url } });
      assert.match(nothing.stdout, /no pending migrations/);
    } finally {
      await db.drop();
    }
  });

  test('migrate applies every migration once, and the gateway then starts on that schema', async () => {
    const db = await freshDatabase();
    try {
      const first = await runCli(['migrate', '--database-url', db.url]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stderr, /applied 001_init\.sql/);
      const versions = await sql(db.url, 'SELECT version FROM schema_migrations ORDER BY version');
      const second = await runCli(['migrate', '--database-url', db.url]);
      assert.match(second.stderr, /is up to date/);
      assert.deepEqual(await sql(db.url, 'SELECT version FROM schema_migrations ORDER BY version'), versions);
    } finally {
      await db.drop();
    }
  });

  test('bad input: no database named, an unreachable one, a bad URL → exit 2 with the reason', async () => {
    const tmp = tempDir('sluice-migrate-');
    try {
      const none = await runCli(['migrate'], { env: { SLUICE_DATABASE_URL: '' } });
      assert.equal(none.code, 2);
      assert.match(none.stderr, /no database named/);
      const down = await runCli(['migrate', '--database-url', 'postgres://postgres@127.0.0.1:1/x']);
      assert.equal(down.code, 2);
      assert.match(down.stderr, /cannot open PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/x/);
      const bad = await runCli(['migrate', '--database-url', 'mysql://x']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /storage URL: .* is neither sqlite:PATH nor postgres/);
      const sqlite = await runCli(['migrate', '--database-url', `sqlite:${tmp.dir}/s.db`]);
      assert.equal(sqlite.code, 0, sqlite.stderr);
      assert.match(sqlite.stderr, /applied 001_init\.sql/);
    } finally {
      tmp.remove();
    }
  });
});
