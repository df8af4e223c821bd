import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaults } from '../../src/config/defaults.ts';
import { parseConfig } from '../../src/gateway/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { openStore } from '../../src/gateway/open-store.ts';
import { storeTargets } from './harness.ts';

const postgres = (await storeTargets()).find((t) => t.name === 'postgres');

describe('openStore', () => {
  it('refuses URLs that name no known store, without echoing a password', async () => {
    await assert.rejects(openStore('mysql://root:hunter2@127.0.0.1/db'), (err: Error) => {
      assert.match(err.message, /neither sqlite:PATH nor postgres:\/\//);
      assert.doesNotMatch(err.message, /hunter2/);
      return true;
    });
    await assert.rejects(openStore('postgres://'), /names no host/);
    await assert.rejects(openStore('postgresql://u:p@[::1/db'), /not a valid PostgreSQL URL/);
    await assert.rejects(openStore('sqlite:'), /sqlite: needs a path/);
  });

  it('opens SQLite for sqlite:PATH', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-open-'));
    try {
      const store = await openStore(`sqlite:${join(dir, 'a.db')}`);
      assert.equal(store.kind, 'sqlite');
      await store.ping();
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says which PostgreSQL it could not reach', async () => {
    await assert.rejects(openStore('postgres://sluice:hunter2@127.0.0.1:1/db', { connectTimeoutMs: 2000 }), (err: Error) => {
      assert.match(err.message, /^cannot open PostgreSQL at postgres:\/\/sluice:\*\*\*\*@127\.0\.0\.1:1\/db: .*ECONNREFUSED/);
      assert.doesNotMatch(err.message, /hunter2/);
      return true;
    });
  });

  it('says when the database does not exist, and opens one that does', { skip: postgres?.skip ?? 'SLUICE_STORE=sqlite' }, async () => {
    const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const missing = new URL(base);
    missing.pathname = '/sluice_no_such_database';
    await assert.rejects(openStore(missing.toString()), /cannot open PostgreSQL at .*sluice_no_such_database.*does not exist/);
    await postgres?.with(async ({ store }) => {
      assert.equal(store.kind, 'postgres');
      await store.ping();
    });
  });
});

describe('storage configuration', () => {
  const file = 'apiToken: 0123456789abcdef0123\n';
  it('defaults to SQLite under dataDir, with pool defaults', () => {
    const config = parseConfig(`${file}dataDir: ./d/\n`, 'sluice.yaml', {}, {});
    assert.equal(config.storageUrl, 'sqlite:./d/sluice.db');
    assert.deepEqual(config.storage, {
      poolSize: defaults.storagePoolSize,
      statementTimeoutMs: defaults.storageStatementTimeoutMs,
      connectTimeoutMs: defaults.storageConnectTimeoutMs,
      retentionMs: defaults.storageRetentionMs,
      partitionIntervalMs: defaults.partitionIntervalMs,
    });
  });

  it('takes a PostgreSQL URL from the file, SLUICE_DATABASE_URL, or --database-url, in that rising order', () => {
    const yaml = `${file}storage:\n  url: postgres://a@127.0.0.1/one\n  poolSize: 3\n  statementTimeout: 2s\n  connectTimeout: 500ms\n`;
    const fromFile = parseConfig(yaml, 'sluice.yaml', {}, {});
    assert.equal(fromFile.storageUrl, 'postgres://a@127.0.0.1/one');
    assert.deepEqual(fromFile.storage, {
      poolSize: 3,
      statementTimeoutMs: 2000,
      connectTimeoutMs: 500,
      retentionMs: null,
      partitionIntervalMs: defaults.partitionIntervalMs,
    });
    const env = { SLUICE_DATABASE_URL: 'postgresql://b@127.0.0.1/two' };
    assert.equal(parseConfig(yaml, 'sluice.yaml', {}, env).storageUrl, 'postgresql://b@127.0.0.1/two');
    assert.equal(parseConfig(file, 'sluice.yaml', {}, env).storageUrl, 'postgresql://b@127.0.0.1/two');
    assert.equal(parseConfig(yaml, 'sluice.yaml', { databaseUrl: 'sqlite:/tmp/x.db' }, env).storageUrl, 'sqlite:/tmp/x.db');
  });

  it('reports a bad URL or pool setting with its key and origin', () => {
    const problems = (text: string, flags = {}, env = {}): string[] => {
      try {
        parseConfig(text, 'sluice.yaml', flags, env);
      } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
      }
      return [];
    };
    assert.deepEqual(problems(`${file}storage:\n  url: mysql://x\n`), [
      'storage.url: "mysql://x" is neither sqlite:PATH nor postgres://user:password@host:5432/database',
    ]);
    assert.match(
      problems(file, {}, { SLUICE_DATABASE_URL: 'postgres://' })[0] ?? '',
      /^SLUICE_DATABASE_URL \(storage\.url: .*names no host/,
    );
    assert.match(problems(file, { databaseUrl: 'redis://x' })[0] ?? '', /^--database-url \(storage\.url: /);
    assert.deepEqual(problems(`${file}storage:\n  poolSize: 0\n  statementTimeout: soon\n  pool: 3\n`), [
      'storage.pool: unknown key (known: url, poolSize, statementTimeout, connectTimeout, retention, partitionInterval)',
      'storage.poolSize: must be a whole number from 1 to 1000',
      'storage.statementTimeout: must be a duration such as 500ms, 5s, 5m, 2h or 7d (got "soon")',
    ]);
    const retention = problems(`${file}storage:\n  retention: 10m\n  partitionInterval: 90m\n`);
    assert.equal(retention.length, 2, retention.join('; '));
    assert.match(retention[0] ?? '', /^storage\.retention: /);
    assert.equal(retention[1], 'storage.partitionInterval: must be a whole number of hours, such as 6h, 1d or 7d');
    const parsed = parseConfig(`${file}storage:\n  retention: 30d\n  partitionInterval: 6h\n`, 'sluice.yaml', {}, {});
    assert.deepEqual([parsed.storage.retentionMs, parsed.storage.partitionIntervalMs], [30 * 86_400_000, 6 * 3_600_000]);
    const plain = parseConfig(file, 'sluice.yaml', {}, {});
    assert.deepEqual([plain.storage.retentionMs, plain.storage.partitionIntervalMs], [null, 86_400_000], 'kept for ever, daily partitions');
  });
});
