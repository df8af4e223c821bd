import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { parseConfig } from '../../src/gateway/config.ts';
import { startGateway, type Gateway } from '../../src/gateway/gateway.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { API_TOKEN, eventually, LogSink, tempDir } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { freshDatabase, postgresSkip } from '../scale/cluster.ts';

const skip = await postgresSkip();
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('console across processes on PostgreSQL', { skip, timeout: 120_000 }, () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const tmp = tempDir('sluice-console-pg-');
  const receiver = new Receiver(() => ({ status: 200 }));
  let ingest: Gateway;
  let api: Gateway;

  before(async () => {
    db = await freshDatabase();
    await receiver.start();
    const text = `apiToken: ${API_TOKEN}
server: { host: 127.0.0.1, port: 0 }
dataDir: ${tmp.dir}
storage: { url: "${db.url}", poolSize: 4 }
allowPrivateNetworks: true
applications:
  billing:
    endpoints:
      - { id: ledger, url: "${receiver.url}" }
sources:
  demo: { provider: standard-webhooks, application: billing, secret: ${SECRET} }
`;
    const config = parseConfig(text, 'test.yaml', {}, {});
    // Two processes' worth of gateway in this test process: each has its own bus, store pool and LISTEN connection.
    ingest = await startGateway(config, createLogger('warn', new LogSink()), { role: 'ingest' });
    api = await startGateway(config, createLogger('warn', new LogSink()), { role: 'api' });
  });
  after(async () => {
    await ingest?.stop();
    await api?.stop();
    await receiver.stop();
    await db?.drop();
    tmp.remove();
  });

  test('a stream on the API process shows what the ingest process decided, and the overview counts it', async () => {
    const controller = new AbortController();
    const res = await fetch(`${api.url}/api/v1/stream?events=ingest`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    // The ingest process forwards once it has heard that some process has a stream open.
    const wh = new Webhook(SECRET);
    let sent = 0;
    const ids: string[] = [];
    const deadline = Date.now() + 30_000;
    const sender = setInterval(() => {
      if (sent >= 40) return;
      const id = `evt_cross_${sent++}`;
      const at = new Date();
      const body = JSON.stringify({ type: 'invoice.paid', id });
      void fetch(`${ingest.url}/in/demo`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': wh.sign(id, at, body),
        },
        body,
      }).then(async (r) => ids.push(((await r.json()) as { id: string }).id));
    }, 500);
    try {
      while (Date.now() < deadline && !ids.some((id) => text.includes(id))) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    } finally {
      clearInterval(sender);
      controller.abort();
    }
    const seen = ids.find((id) => text.includes(id));
    assert.ok(seen, 'an ingest decision of the other process reached this stream');
    assert.match(text, /event: ingest\ndata: \{"type":"ingest"/);

    await ingest.flushCounters();
    const overview = await eventually(
      async () => {
        const o = (await (
          await fetch(`${api.url}/api/v1/stats/overview?window=5m`, { headers: { authorization: `Bearer ${API_TOKEN}` } })
        ).json()) as { counters: { received: number } };
        return o.counters.received > 0 ? o : undefined;
      },
      10_000,
      "the API process to count the ingest process's traffic",
    );
    assert.ok(overview.counters.received >= 1);
  });
});
