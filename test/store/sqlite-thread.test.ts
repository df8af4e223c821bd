import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { openStore } from '../../src/gateway/open-store.ts';
import { installKeys, keyId } from '../../src/store/secret-box.ts';
import { ingestCases } from './cases-ingest.ts';
import { leasingCases } from './cases-leasing.ts';
import { application, endpoint, message, newSecret, sqliteTarget, stored } from './harness.ts';

// The conformance suite runs SQLite as a gateway opens it, on its own thread; these cases keep the main-thread store covered.
describe('SQLite store on the main thread (sqliteThread: false)', () => {
  const inline = sqliteTarget({ sqliteThread: false });
  ingestCases(inline);
  leasingCases(inline);
});

describe('SQLite store on its own thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-thread-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const file = () => join(dir, `s${++n}.db`);

  it('hands bytes back as Buffers and errors with their class, name and message', async () => {
    const store = await openStore(`sqlite:${file()}`);
    try {
      const app = await store.syncApplication(application('shop', [endpoint('a'), endpoint('b')]), newSecret);
      const payload = Buffer.from([0, 255, 1, 254, ...randomBytes(64)]);
      const { messageId } = stored((await store.ingest([message(app.id, { payload })]))[0]!);
      const got = await store.getMessage(app.id, messageId);
      assert.ok(Buffer.isBuffer(got?.payload), 'a Buffer, not a bare Uint8Array');
      assert.ok(got?.payload?.equals(payload), 'byte-exact');
      const found = await store.searchMessages({ appId: app.id, text: payload.subarray(0, 4), limit: 10 });
      assert.deepEqual(
        found.data.map((m) => m.id),
        [messageId],
        'a Buffer argument arrives as one',
      );
      const endpoints = await store.listEndpoints(app.id);
      assert.equal(endpoints.length, 2);
      assert.equal(new Set(endpoints.map((e) => e.secrets[0]?.secret)).size, 2, 'each endpoint got a secret of its own');
      // The same mistake on the main thread's store: the thread's error has the same class, name and message.
      const inline = await openStore(`sqlite:${file()}`, { sqliteThread: false });
      const there = await inline.getMessage(app.id, {} as unknown as string).catch((err: Error) => err);
      await inline.close();
      assert.ok(there instanceof Error);
      await assert.rejects(store.getMessage(app.id, {} as unknown as string), (err: Error) => {
        assert.equal(Object.getPrototypeOf(err), Object.getPrototypeOf(there));
        assert.deepEqual([err.name, err.message], [there.name, there.message]);
        return true;
      });
    } finally {
      await store.close();
    }
  });

  it('seals secrets with the keys installed on the main thread, also those installed after it opened', async () => {
    const path = file();
    const first = randomBytes(32);
    installKeys([{ id: keyId(first), key: first }]);
    const store = await openStore(`sqlite:${path}`);
    const app = await store.syncApplication(application('keys', [endpoint('a', { secret: newSecret() })]), newSecret);
    const second = randomBytes(32);
    installKeys([{ id: keyId(second), key: second }]);
    await store.syncApplication(application('keys2', [endpoint('b', { secret: newSecret() })]), newSecret);
    assert.equal((await store.listEndpoints(app.id))[0]?.secrets[0]?.secret.startsWith('whsec_'), true, 'read back opened');
    await store.close();
    const raw = new Database(path, { readonly: true });
    try {
      const rows = raw.prepare('SELECT secrets FROM endpoints ORDER BY id').all() as Array<{ secrets: string }>;
      assert.deepEqual(
        rows.map((r) => (JSON.parse(r.secrets) as Array<{ secret: string }>)[0]?.secret.slice(0, 24)),
        [`enc:v1:${keyId(first)}:`, `enc:v1:${keyId(second)}:`],
      );
    } finally {
      raw.close();
    }
  });

  it('refuses a second store on the same file, with the reason', async () => {
    const path = file();
    const store = await openStore(`sqlite:${path}`);
    try {
      await assert.rejects(openStore(`sqlite:${path}`), /is in use by another Sluice process/);
      await store.ping();
    } finally {
      await store.close();
    }
  });

  it('refuses every call, waiting or new, once its thread is gone, and says so once', async () => {
    const heard: Error[] = [];
    const store = await openStore(`sqlite:${file()}`, { onThreadFailure: (err) => heard.push(err) });
    const waiting = Array.from({ length: 20 }, () => store.backlog());
    await (store as unknown as { worker: Worker }).worker.terminate();
    const settled = await Promise.allSettled(waiting);
    for (const s of settled) if (s.status === 'rejected') assert.match((s.reason as Error).message, /store thread ended/);
    await assert.rejects(store.ping(), /store thread ended/);
    assert.equal(heard.length, 1);
    await store.close();
    await assert.rejects(store.ping(), /store thread ended/);
  });

  it('answers what was asked before close, then refuses', async () => {
    const store = await openStore(`sqlite:${file()}`);
    const before = store.backlog();
    const closed = store.close();
    await assert.rejects(store.ping(), /store is closed/);
    assert.deepEqual(await before, { pending: 0, scheduled: 0, inFlight: 0 });
    await closed;
    await store.close();
    await assert.rejects(store.backlog(), /store is closed/);
  });
});
