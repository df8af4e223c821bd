import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { API_TOKEN, eventually, tempDir } from '../helpers/gateway.ts';
import { freshDatabase, postgresSkip, SOURCE_SECRET, startNodeWithRole, type Node } from './cluster.ts';

interface Got {
  webhookId: string;
  seq: number;
  stale: boolean;
  at: number;
}

/**
 * Issue 20's crash case, made deterministic: the receiver takes seq 14 of
 * sub_23 (processes it) and holds the answer; the worker that sent it is
 * SIGKILLed right then, so its attempt is never recorded; seq 12 and 13 arrive
 * while its lease runs; another worker takes the lease back after it expires.
 * The rule of docs/ordering.md: 14 is repeated first (same webhook-id), and 12
 * and 13 go after it flagged `Sluice-Stale: true`, never as if fresh.
 */
test('PostgreSQL: a FIFO head in flight when its worker is SIGKILLed stays the head; late predecessors are sent stale', {
  timeout: 120_000,
}, async (t) => {
  const skip = await postgresSkip();
  if (skip) return t.skip(skip);
  const got: Got[] = [];
  let holdFirst14: (() => void) | undefined;
  const seen14 = new Promise<void>((resolve) => (holdFirst14 = resolve));
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { seq: number };
      got.push({
        webhookId: String(req.headers['webhook-id']),
        seq: body.seq,
        stale: req.headers['sluice-stale'] === 'true',
        at: Date.now(),
      });
      if (body.seq === 14 && got.filter((g) => g.seq === 14).length === 1) {
        holdFirst14?.();
        return; // processed, never answered: the worker dies waiting
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  const db = await freshDatabase();
  const tmp = tempDir('sluice-fifo-crash-');
  const file = join(tmp.dir, 'sluice.yaml');
  writeFileSync(
    file,
    [
      `apiToken: ${API_TOKEN}`,
      'allowPrivateNetworks: true',
      'server: { host: 127.0.0.1, port: 0 }',
      `dataDir: "${tmp.dir}"`,
      `storage: { url: "${db.url}", poolSize: 4 }`,
      'logLevel: warn',
      'delivery: { leaseGrace: 1s, pollInterval: 200ms, shutdownGrace: 1s }',
      'applications:',
      '  app:',
      '    endpoints:',
      `      - { id: ep, url: "${receiverUrl}", fifo: true, stale: deliver, timeout: 3s, retry: [200ms, 200ms, 500ms] }`,
      'sources:',
      `  std: { provider: standard-webhooks, secrets: ["${SOURCE_SECRET}"], application: app, orderingKey: "body:$.key", sequence: "body:$.seq" }`,
      '',
    ].join('\n'),
  );
  const hook = new Webhook(SOURCE_SECRET);
  const send = async (ingestUrl: string, seq: number): Promise<void> => {
    const id = `evt_sub23_${seq}_${randomBytes(3).toString('hex')}`;
    const body = JSON.stringify({ key: 'sub_23', seq });
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
  };
  const nodes: Node[] = [];
  try {
    const ingest = await startNodeWithRole(file, 'ingest');
    nodes.push(ingest);
    const victim = await startNodeWithRole(file, 'worker', 'sluice worker (victim)');
    nodes.push(victim);
    await send(ingest.url, 14);
    await seen14;
    await victim.child.kill();
    const killedAt = Date.now();
    await send(ingest.url, 12);
    await send(ingest.url, 13);
    nodes.push(await startNodeWithRole(file, 'worker', 'sluice worker (survivor)'));
    await eventually(
      () => (new Set(got.map((g) => g.seq)).size === 3 && got.length >= 4 ? true : undefined),
      60_000,
      'the repeat of 14, then 12 and 13',
    );
    await new Promise((r) => setTimeout(r, 500));
    const first = got[0]!;
    assert.deepEqual([first.seq, first.stale], [14, false]);
    const after = got.slice(1);
    assert.ok(after.every((g) => g.at >= killedAt));
    assert.deepEqual(
      after.map((g) => g.seq),
      [14, 12, 13],
      'the head first, repeated, then the late ones',
    );
    assert.equal(after[0]!.webhookId, first.webhookId, 'the same message: the receiver dedupes it');
    assert.deepEqual(
      after.map((g) => g.stale),
      [false, true, true],
      'the late predecessors are flagged stale, never sent as fresh',
    );
  } finally {
    await Promise.all(nodes.map((n) => n.child.kill()));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db.drop();
    tmp.remove();
  }
});
