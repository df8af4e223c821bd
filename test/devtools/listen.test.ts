import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { RunningSluice } from '../../bench/lib/sluice.ts';
import { API_TOKEN, eventually, tempDir } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { STD_SECRET, stdHeaders } from '../helpers/signing.ts';
import { count, freePort, startCliChild, startGatewayChild, waitForCount, writeGatewayConfig, runCli } from './harness.ts';

const api = (base: string, path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${base}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });

describe('sluice listen: a relay endpoint on the gateway, deliveries forwarded to a local handler', () => {
  const tmp = tempDir();
  let gateway: RunningSluice;
  let configFile: string;
  let secret = '';
  const verified: string[] = [];
  const handler = new Receiver((req) => {
    // The local handler checks each delivery as any Standard Webhooks receiver would.
    try {
      new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
      verified.push(String(req.headers['webhook-id']));
      return {
        status: 201,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ handled: JSON.parse(req.body.toString()).seq }),
      };
    } catch (err) {
      return { status: 400, body: `bad signature: ${(err as Error).message}` };
    }
  });
  let port = 0;

  const send = async (seq: number, key = 'order_1'): Promise<string> => {
    const body = JSON.stringify({ type: 'order.updated', seq, data: { id: key } });
    const res = await fetch(`${gateway.url}/in/std`, { method: 'POST', headers: stdHeaders(body), body });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { id: string }).id;
  };

  before(async () => {
    await handler.start();
    port = await freePort();
    configFile = writeGatewayConfig(
      tmp.dir,
      port,
      `delivery: { retry: [300ms, 300ms, 300ms, 300ms, 300ms, 300ms] }
applications:
  dev:
    endpoints:
      - { id: laptop, url: "relay://laptop", fifo: true }
sources:
  std: { provider: standard-webhooks, secret: "${STD_SECRET}", application: dev, orderingKey: "body:$.data.id", sequence: "body:$.seq" }
`,
    );
    gateway = await startGatewayChild(configFile);
  });
  after(async () => {
    await gateway?.child.stop();
    await handler.stop();
    tmp.remove();
  });

  it("--print-secret prints the relay endpoint's secret only; usage errors exit 2", async () => {
    const run = await runCli([
      'listen',
      '--forward-to',
      handler.url,
      '--name',
      'laptop',
      '--print-secret',
      '--server',
      gateway.url,
      '--token',
      API_TOKEN,
    ]);
    assert.equal(run.code, 0, run.stderr);
    secret = run.stdout.trim();
    assert.match(secret, /^whsec_[A-Za-z0-9+/=]+$/);
    assert.equal((await runCli(['listen', '--server', gateway.url])).code, 2);
    assert.equal((await runCli(['listen', '--forward-to', 'ftp://x', '--token', API_TOKEN, '--server', gateway.url])).code, 2);
    const badToken = await runCli(['listen', '--forward-to', handler.url, '--token', 'wrong-token-000000', '--server', gateway.url]);
    assert.equal(badToken.code, 1);
    assert.match(badToken.stderr, /401/);
  });

  it('relays deliveries: the handler verifies them, the attempt holds its real status and body; offline deliveries wait and arrive in order', async () => {
    const listen = startCliChild(['listen', '--forward-to', handler.url, '--name', 'laptop', '--server', gateway.url, '--color', 'never']);
    try {
      await listen.waitFor(/Ready! Forwarding to .* Your webhook signing secret is whsec_/, 90_000);
      const first = await send(1);
      await waitForCount(listen, /<-- {2}\[201\] POST /, 1);
      assert.match(listen.stdout, new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d {2}--> order\\.updated \\[${first}\\]$`, 'm'));
      assert.match(
        listen.stdout,
        new RegExp(
          `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d {2}<-- {2}\\[201\\] POST ${handler.url.replace(/[.]/g, '\\.')} \\(\\d+ ms\\) \\[${first}\\]$`,
          'm',
        ),
      );
      const attempt = await eventually(
        async () => {
          const res = await api(gateway.url, `/app/dev/attempt/msg/${first}`);
          const page = (await res.json()) as { data: Array<{ responseStatusCode: number; response: string }> };
          return page.data[0];
        },
        15_000,
        'the attempt record',
      );
      assert.equal(attempt.responseStatusCode, 201);
      assert.equal(attempt.response, '{"handled":1}');
      assert.deepEqual(verified, [first]);
    } finally {
      await listen.kill();
    }

    // Away: 20 messages wait in the gateway.
    const ids: string[] = [];
    for (let seq = 2; seq <= 21; seq++) ids.push(await send(seq));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(handler.requests.length, 1, 'nothing reaches the handler while the listener is away');
    const again = startCliChild(['listen', '--forward-to', handler.url, '--name', 'laptop', '--server', gateway.url, '--format', 'json']);
    try {
      await handler.waitFor(21, 120_000);
      const seqs = handler.requests.slice(1).map((r) => (JSON.parse(r.body.toString()) as { seq: number }).seq);
      assert.deepEqual(
        seqs,
        Array.from({ length: 20 }, (_, i) => i + 2),
        'in order on the FIFO relay endpoint',
      );
      assert.deepEqual(verified.slice(1), ids);
      await waitForCount(again, /"type":"response"/, 20);
      const lines = again.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; status?: number });
      assert.equal(lines[0]?.type, 'ready');
      assert.equal(lines.filter((l) => l.type === 'response' && l.status === 201).length, 20);
    } finally {
      await again.kill();
    }
  });

  it('a local handler that is down gets a plain line and a retry, not a crash; a restarted gateway is reconnected to by itself', async () => {
    const down = await freePort();
    const listen = startCliChild([
      'listen',
      '--forward-to',
      `http://127.0.0.1:${down}/hooks`,
      '--name',
      'laptop',
      '--server',
      gateway.url,
      '--color',
      'never',
    ]);
    try {
      await listen.waitFor(/Ready!/, 90_000);
      const id = await send(100);
      await waitForCount(
        listen,
        new RegExp(`Nothing is listening on 127\\.0\\.0\\.1:${down}; the gateway will retry \\[${id}\\]`),
        2,
        60_000,
      );
      assert.ok(listen.running);
      const attempts = (await (await api(gateway.url, `/app/dev/attempt/msg/${id}`)).json()) as {
        data: Array<{ responseStatusCode: number }>;
      };
      assert.ok(attempts.data.length >= 1);

      await gateway.child.stop();
      await listen.waitFor(/connection lost, reconnecting in \d+ s …/, 60_000);
      gateway = await startGatewayChild(configFile);
      await listen.waitFor(/reconnected/, 90_000);
      // Through the new gateway process, a new message reaches the same listener.
      const next = await send(1, 'order_2');
      await waitForCount(listen, new RegExp(`--> order\\.updated \\[${next}\\]`), 1, 30_000);
      assert.ok(listen.running);
      assert.equal(count(listen, /Ready!/), 1, 'ready is said once; the rest are reconnections');
    } finally {
      await listen.kill();
    }
  });
});
