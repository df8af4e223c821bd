import assert from 'node:assert/strict';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { parseConfig } from '../../src/gateway/config.ts';
import { startGateway } from '../../src/gateway/gateway.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { API_TOKEN, eventually, LogSink, tempDir } from '../helpers/gateway.ts';
import { freshDatabase, postgresSkip, sendOne, SOURCE_SECRET } from './cluster.ts';

const skip = await postgresSkip();

/**
 * A loopback TCP relay to PostgreSQL that can go silent: while stalled it
 * accepts and holds connections but forwards nothing, the way a cut network
 * or a frozen server looks (no RST, no FIN), so only timeouts can end a wait.
 */
class StallingRelay {
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  stalled = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<this> {
    this.server = createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => undefined);
      if (this.stalled) return;
      const upstream = createConnection(this.target);
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.on('data', (d) => void (this.stalled || upstream.write(d)));
      upstream.on('data', (d) => void (this.stalled || client.write(d)));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  /** The network comes back: the connections that hung are reset, new ones flow. */
  recover(): void {
    this.stalled = false;
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.recover();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

test('a database that stops answering (no reset): ingest answers 503 + Retry-After within the configured timeouts, readyz 503, then recovers', {
  skip,
  timeout: 60_000,
}, async () => {
  const db = await freshDatabase();
  const dbUrl = new URL(db.url);
  const relay = await new StallingRelay({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) }).start();
  const viaRelay = new URL(db.url);
  viaRelay.port = String(relay.port);
  const tmp = tempDir('sluice-stall-');
  const config = parseConfig(
    [
      `apiToken: ${API_TOKEN}`,
      'server: { host: 127.0.0.1, port: 0 }',
      `dataDir: "${tmp.dir}"`,
      `storage: { url: "${viaRelay.toString()}", connectTimeout: 500ms, statementTimeout: 1s }`,
      'applications: { app: { endpoints: [] } }',
      `sources: { std: { provider: standard-webhooks, secrets: ["${SOURCE_SECRET}"], application: app } }`,
      '',
    ].join('\n'),
    'test.yaml',
    {},
    {},
  );
  const gateway = await startGateway(config, createLogger('fatal', new LogSink()));
  try {
    assert.equal((await sendOne(gateway.url, 1)).status, 200);

    relay.stalled = true;
    // sendOne aborts after 15 s, failing the test: the answer must come from our own timeouts, well before.
    const stalled = await Promise.all([2, 3, 4].map((n) => sendOne(gateway.url, n)));
    for (const reply of stalled) {
      assert.equal(reply.status, 503);
      assert.match(reply.retryAfter ?? '', /^\d+$/);
    }
    const ready = await fetch(`${gateway.url}/readyz`, { signal: AbortSignal.timeout(15_000) });
    assert.equal(ready.status, 503);

    relay.recover();
    const back = await eventually(
      async () => ((await sendOne(gateway.url, 5)).status === 200 ? true : undefined),
      20_000,
      'ingest after the network is back',
    );
    assert.equal(back, true);
    assert.equal((await fetch(`${gateway.url}/readyz`)).status, 200);
  } finally {
    await gateway.stop();
    await relay.stop();
    await db.drop();
    tmp.remove();
  }
});
