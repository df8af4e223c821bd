import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from './harness.ts';
import { API_TOKEN, eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { STD_SECRET, stdHeaders } from '../helpers/signing.ts';

describe('sluice messages, attempts, replay and retry through the API', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let failing = true;
  const receiver = new Receiver(() => (failing ? { status: 503, body: 'down for maintenance' } : { status: 200, body: 'ok' }));
  const ids: string[] = [];
  const cli = (args: string[]): ReturnType<typeof runCli> =>
    runCli([...args, '--server', gw.url, '--color', 'never'], { env: { SLUICE_TOKEN: API_TOKEN } });

  before(async () => {
    await receiver.start();
    gw = await startTestGateway(`applications:
  shop:
    endpoints:
      - { id: orders, url: "${receiver.url}", retry: [100ms] }
sources:
  std: { provider: standard-webhooks, secret: "${STD_SECRET}", application: shop }
`);
    for (let i = 0; i < 3; i++) {
      const body = JSON.stringify({ type: i === 0 ? 'order.created' : 'order.paid', data: { id: `o${i}` } });
      const res = await fetch(`${gw.url}/in/std`, { method: 'POST', headers: stdHeaders(body), body });
      ids.push(((await res.json()) as { id: string }).id);
    }
    // Two attempts each (the first and one retry), then dead.
    await eventually(
      async () => {
        const res = await gw.api('/app/shop/endpoint/orders/msg?limit=10');
        const page = (await res.json()) as { data: Array<{ state: string }> };
        return page.data.length === 3 && page.data.every((m) => m.state === 'dead') ? true : undefined;
      },
      20_000,
      'three dead deliveries',
    );
  });
  after(async () => {
    await gw.stop();
    await receiver.stop();
  });

  it('messages list (JSON lines and human lines) and messages get', async () => {
    const json = await cli(['messages', 'list', '--format', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; eventType: string });
    assert.deepEqual(
      lines.map((l) => l.id),
      [...ids].reverse(),
    );
    const typed = await cli(['messages', 'list', '--event-types', 'order.created']);
    assert.match(
      typed.stdout,
      new RegExp(`^${ids[0]}  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  order\\.created +source=std  accepted\\n$`),
    );
    const get = await cli(['messages', 'get', ids[1] as string]);
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, /order\.paid {2}accepted/);
    assert.match(get.stdout, /"id": "o1"/);
    assert.match(get.stdout, /orders {2}http:\/\/127\.0\.0\.1:\d+\/hooks {2}dead {2}attempts 2 {2}last \[503\]/);
    assert.equal((await cli(['messages', 'get', 'msg_nope'])).code, 1);
  });

  it('attempts list shows what the endpoint answered', async () => {
    const run = await cli(['attempts', 'list', '--msg', ids[0] as string]);
    assert.equal(run.code, 0, run.stderr);
    const rows = run.stdout.trim().split('\n');
    assert.equal(rows.length, 2);
    assert.match(
      rows[0] as string,
      new RegExp(`^atmpt_\\w+ {2}\\S+ \\S+ {2}\\[503\\] POST http://127\\.0\\.0\\.1:\\d+/hooks \\(\\d+ ms\\) \\[${ids[0]}\\]$`),
    );
    const json = await cli(['attempts', 'list', '--endpoint', 'orders', '--app', 'shop', '--format', 'json', '--limit', '3']);
    assert.equal(
      json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { responseStatusCode: number })
        .filter((a) => a.responseStatusCode === 503).length,
      3,
    );
    assert.equal((await cli(['attempts', 'list'])).code, 2, 'one of --msg and --endpoint is required');
  });

  it('retry counts first, refuses to go on without a terminal or --yes, retries with --yes; replay queues one', async () => {
    const dry = await cli(['retry', '--app', 'shop', '--status', 'dead', '--since', '1h', '--dry-run', '--format', 'json']);
    assert.equal(dry.code, 0, dry.stderr);
    const counted = JSON.parse(dry.stdout) as { count: number; dryRun: boolean };
    assert.deepEqual([counted.count, counted.dryRun], [3, true]);
    const human = await cli(['retry', '--app', 'shop', '--since', '1h', '--dry-run']);
    assert.equal(human.stdout, 'would retry 3 failed or dead deliveries in the last 1h (1 endpoint)\n');
    const asked = await cli(['retry', '--app', 'shop', '--since', '1h']);
    assert.equal(asked.code, 2);
    assert.match(asked.stderr, /pass --yes/);
    assert.equal((await cli(['retry', '--since', '1h'])).code, 2, '--app is required');
    assert.equal((await cli(['retry', '--app', 'shop', '--since', 'soon', '--yes'])).code, 2);
    assert.equal((await cli(['retry', '--app', 'shop', '--status', 'lost'])).code, 2);

    failing = false;
    const before = receiver.requests.length;
    const done = await cli(['retry', '--app', 'shop', '--endpoint', 'orders', '--since', '1h', '--yes']);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /^retried 3 of 3 failed or dead deliveries/);
    await receiver.waitFor(before + 3);
    await eventually(
      async () => {
        const page = (await (await gw.api('/app/shop/endpoint/orders/msg?limit=10')).json()) as { data: Array<{ state: string }> };
        return page.data.every((m) => m.state === 'succeeded') ? true : undefined;
      },
      15_000,
      'every delivery succeeded',
    );

    const replayed = await cli(['replay', ids[2] as string, '--format', 'json']);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.deepEqual(JSON.parse(replayed.stdout), { msgId: ids[2], queued: 1 });
    await receiver.waitFor(before + 4);
    assert.equal((await cli(['replay', ids[2] as string, '--endpoint', 'nope'])).code, 1);
  });
});
