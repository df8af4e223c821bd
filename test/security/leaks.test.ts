import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/observability/logger.ts';
import { payloadValue } from '../../src/transform/webhook.ts';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { STD_SECRET } from '../helpers/signing.ts';

/**
 * The same classes of defect as the probe found, looked for elsewhere:
 * credentials kept where viewers read them or written to logs, answers a cache
 * may keep, and views of stored payloads that break on hostile bytes.
 */

const TOKEN = 'the-genuine-shared-token-value';
const HMAC_SECRET = 'hmac-source-secret-value';

test('a rejected request never keeps the credential or signature header its source is configured with', async () => {
  const gw = await startTestGateway(
    `
applications:
  shop: {}
sources:
  tok: { provider: token, application: shop, secret: ${TOKEN}, header: X-Auth, prefix: "Bearer " }
  sig: { provider: hmac, application: shop, secret: ${HMAC_SECRET}, header: X-Sig, timestampHeader: X-Sig-Time, tolerance: 5m }
`,
    { logLevel: 'silent' },
  );
  try {
    // The genuine token without its prefix: refused, and the value is the real credential.
    const body = '{"a":1}';
    assert.equal(
      (await fetch(`${gw.url}/in/tok`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-auth': TOKEN }, body })).status,
      401,
    );
    // A genuine signature made an hour ago: refused for its age, the signature itself valid.
    const ts = String(Math.floor(Date.now() / 1000) - 3600);
    const signature = createHmac('sha256', HMAC_SECRET).update(`${ts}.${body}`).digest('hex');
    const late = await fetch(`${gw.url}/in/sig`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sig': signature, 'x-sig-time': ts },
      body,
    });
    assert.equal(late.status, 401);
    const reason = (await late.json()) as { detail?: string; reason?: string };
    assert.match(JSON.stringify(reason), /outside the tolerance/, 'refused for its age alone');
    await gw.gateway.flushCounters();
    const rejected = await eventually(
      async () => {
        const page = (await (await gw.api('/rejected')).json()) as { data: Array<{ source: string; headers: Record<string, string> }> };
        return page.data.length >= 2 ? page.data : undefined;
      },
      10_000,
      'both rejections stored',
    );
    const text = JSON.stringify(rejected);
    assert.ok(!text.includes(TOKEN), `the token is not kept: ${text}`);
    assert.ok(!text.includes(signature), 'the signature is not kept');
    const bySource = new Map(rejected.map((r) => [r.source, r.headers]));
    assert.equal(bySource.get('tok')?.['x-auth'], '[redacted]');
    assert.equal(bySource.get('sig')?.['x-sig'], '[redacted]');
    assert.equal(bySource.get('sig')?.['content-type'], 'application/json', 'other headers stay for debugging');
  } finally {
    await gw.stop();
  }
});

test('logs: credential fields are redacted, and a refused endpoint URL is logged without its password', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = createLogger('info', sink);
  log.info({ password: 'pw-one', broker: { password: 'pw-two', token: 'tk-one' }, token: 'tk-two', cookie: 'ck', secretKey: 'sk' }, 'x');
  await new Promise((r) => setImmediate(r));
  const written = lines.join('');
  for (const secret of ['pw-one', 'pw-two', 'tk-one', 'tk-two', '"ck"', '"sk"'])
    assert.ok(!written.includes(secret), `${secret} is redacted: ${written}`);

  const gw = await startTestGateway(`
allowPrivateNetworks: false
applications:
  shop:
    endpoints:
      - { id: internal, url: "http://alice:hunter2-endpoint-password@10.1.2.3/hook" }
`);
  try {
    const warning = gw.logs.lines.find((l) => l.includes('every delivery to this endpoint will be refused'));
    assert.ok(warning, gw.logs.lines.join('\n'));
    assert.ok(!gw.logs.lines.join('\n').includes('hunter2-endpoint-password'), warning);
    assert.match(warning, /alice:\*\*\*\*@10\.1\.2\.3/);
  } finally {
    await gw.stop();
  }
});

test('the live stream and the console session answers are never cached nor sniffed', async () => {
  const gw = await startTestGateway('applications:\n  shop: {}\n', { logLevel: 'silent' });
  const controller = new AbortController();
  try {
    const stream = await gw.api('/stream', { signal: controller.signal });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('cache-control') ?? '', /\bno-store\b/);
    assert.equal(stream.headers.get('x-content-type-options'), 'nosniff');
    controller.abort();
    await stream.body?.cancel().catch(() => undefined);

    const signIn = await fetch(`${gw.url}/api/v1/auth/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: gw.url },
      body: JSON.stringify({ token: 'test-token-0123456789abcdef' }),
    });
    assert.equal(signIn.status, 201);
    assert.equal(signIn.headers.get('cache-control'), 'no-store');
    assert.equal(signIn.headers.get('x-content-type-options'), 'nosniff');
    const out = await fetch(`${gw.url}/api/v1/auth/session`, { method: 'DELETE', headers: { origin: gw.url } });
    assert.equal(out.headers.get('cache-control'), 'no-store');
  } finally {
    controller.abort();
    await gw.stop();
  }
});

test('every GET route that shows a stored message renders hostile stored bytes (never 500)', async () => {
  const receiver = await new Receiver(() => ({ status: 200, body: '\u0000\uffff[[[[' })).start();
  const gw = await startTestGateway(
    `
applications:
  shop:
    endpoints:
      - { id: sink, url: "${receiver.url}" }
sources:
  std: { provider: standard-webhooks, secret: ${STD_SECRET}, application: shop }
`,
    { logLevel: 'silent' },
  );
  try {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const bodies: Array<[string, string | Buffer]> = [
      ['application/json', deep],
      // Not declared JSON: stored as sent and delivered, though its bytes are 100,000 levels of JSON.
      ['text/plain', deep],
      ['application/octet-stream', Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0xc3, 0x28, 0x5b])],
    ];
    const ids: string[] = [];
    for (const [n, [type, body]] of bodies.entries()) {
      const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
      const id = `msg_hostile_${n}`;
      const at = Math.floor(Date.now() / 1000);
      // Signed over the bytes themselves, as a sender of binary bodies would.
      const sig = createHmac('sha256', Buffer.from(STD_SECRET.slice(6), 'base64'))
        .update(Buffer.concat([Buffer.from(`${id}.${at}.`), bytes]))
        .digest('base64');
      const res = await fetch(`${gw.url}/in/std`, {
        method: 'POST',
        body: new Uint8Array(bytes),
        headers: { 'content-type': type, 'webhook-id': id, 'webhook-timestamp': String(at), 'webhook-signature': `v1,${sig}` },
      });
      assert.equal(res.status, 200, await res.clone().text());
      ids.push(((await res.json()) as { id: string }).id);
    }
    // The delivered ones have an attempt (whose answer is hostile too).
    const attemptOf = async (msg: string): Promise<string | undefined> => {
      const page = (await (await gw.api(`/app/shop/attempt/msg/${msg}`)).json()) as { data: Array<{ id: string }> };
      return page.data[0]?.id;
    };
    const attempts = await eventually(
      async () => {
        const found = await Promise.all(ids.slice(1).map(attemptOf));
        return found.every(Boolean) ? (found as string[]) : undefined;
      },
      15_000,
      'attempts of the delivered messages',
    );
    const endpoint = ((await (await gw.api('/app/shop/endpoint/sink')).json()) as { id: string }).id;

    const doc = (await (await gw.api('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const showsMessages = Object.entries(doc.paths)
      .filter(([path, ops]) => 'get' in ops && /msg|message|quarantine|attempt/.test(path))
      .map(([path]) => path);
    assert.ok(showsMessages.length >= 8, showsMessages.join(' '));
    const failures: string[] = [];
    for (const [i, msg] of ids.entries()) {
      const values: Record<string, string> = {
        app_id: 'shop',
        msg_id: msg,
        endpoint_id: endpoint,
        attempt_id: attempts[i - 1] ?? 'atmpt_none',
      };
      for (const template of showsMessages) {
        const path = template.replace(/^\/api\/v1/, '').replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? 'x');
        const res = await gw.api(`${path}${path.includes('?') ? '&' : '?'}with_content=true&with_msg=true`);
        const body = await res.text();
        if (res.status >= 500) failures.push(`${res.status} GET ${path}: ${body.slice(0, 200)}`);
        if (res.headers.get('content-type')?.includes('json')) assert.doesNotThrow(() => JSON.parse(body), `GET ${path} answers JSON`);
      }
    }
    assert.deepEqual(failures, []);
  } finally {
    await gw.stop();
    await receiver.stop();
  }
});

test('the relay endpoint door (sluice listen --headers) takes the one header rule of the other doors', async () => {
  const gw = await startTestGateway('applications:\n  dev: {}\n', { logLevel: 'silent' });
  try {
    const put = (headers: Record<string, string>) => gw.api('/app/dev/relay/laptop', { method: 'PUT', body: JSON.stringify({ headers }) });
    for (const [name, value] of [
      ['host', 'evil.example'],
      ['transfer-encoding', 'chunked'],
      ['sluice-message-id', 'msg_spoofed'],
      ['webhook-signature', 'v1,x'],
      ['x-ok', 'a\r\nx-injected: 1'],
      ['x-ok', 'caf\u00e9'],
    ] as const) {
      const res = await put({ [name]: value });
      assert.equal(res.status, 422, `${name}: ${JSON.stringify(value)}`);
      assert.match(((await res.json()) as { detail: string }).detail, new RegExp(`body\\.headers\\.${name}`));
    }
    const ok = await put({ 'X-Team': 'payments' });
    assert.equal(ok.status, 201);
    const stored = (await (await gw.api('/app/dev/endpoint/laptop/headers')).json()) as { headers: Record<string, string> };
    assert.deepEqual(stored.headers, { 'x-team': 'payments' });
  } finally {
    await gw.stop();
  }
});

test('a transformation returning a deeply nested webhook fails as a transformation (never a 500, never a lost delivery)', async () => {
  const receiver = await new Receiver(() => ({ status: 200 })).start();
  const gw = await startTestGateway(
    `
applications:
  shop:
    endpoints:
      - { id: deep, url: "${receiver.url}/deep" }
      - { id: plain, url: "${receiver.url}/plain" }
`,
    { logLevel: 'silent' },
  );
  try {
    // What a transformation is handed of a stored body deeper than any limit: its text, never a value too deep to serialize.
    assert.equal(typeof payloadValue(Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)), 'string');
    const deepCode = '(w) => { let p = 1; for (let i = 0; i < 1500; i++) p = [p]; w.payload = p; return w; }';
    const tried = await gw.api('/app/shop/endpoint/deep/transformation/test', {
      method: 'POST',
      body: JSON.stringify({ code: deepCode, payload: { a: 1 } }),
    });
    assert.equal(tried.status, 200, await tried.clone().text());
    const outcome = (await tried.json()) as { ok: boolean; error?: string };
    assert.equal(outcome.ok, false);
    assert.match(outcome.error ?? '', /nested deeper than 1000 levels/);

    assert.ok(
      (await gw.api('/app/shop/endpoint/deep/transformation', { method: 'PATCH', body: JSON.stringify({ code: deepCode, enabled: true }) }))
        .ok,
    );
    // The same message's delivery to another endpoint goes on.
    assert.ok(
      (
        await gw.api('/app/shop/endpoint/plain/transformation', {
          method: 'PATCH',
          body: JSON.stringify({ code: '(w) => w', enabled: true }),
        })
      ).ok,
    );
    const sent = await gw.api('/app/shop/msg', { method: 'POST', body: JSON.stringify({ eventType: 'a.b', payload: { n: 1 } }) });
    assert.equal(sent.status, 202);
    const msg = ((await sent.json()) as { id: string }).id;
    const attempts = await eventually(
      async () => {
        const page = (await (await gw.api(`/app/shop/attempt/msg/${msg}`)).json()) as {
          data: Array<{ url: string; error: string | null; responseStatusCode: number }>;
        };
        return page.data.length >= 2 ? page.data : undefined;
      },
      15_000,
      'an attempt per endpoint',
    );
    const deep = attempts.find((a) => a.url.endsWith('/deep'));
    assert.match(deep?.error ?? '', /transformation failed: .*nested deeper than 1000 levels/);
    assert.equal(attempts.find((a) => a.url.endsWith('/plain'))?.responseStatusCode, 200);
  } finally {
    await gw.stop();
    await receiver.stop();
  }
});

test("a listener's malformed result frame is recorded as a failed attempt with sane fields, and the next one is heard", async () => {
  const gw = await startTestGateway(
    `
delivery: { retry: [200ms, 200ms, 200ms] }
applications:
  dev:
    endpoints:
      - { id: laptop, url: "relay://laptop" }
`,
    { logLevel: 'silent' },
  );
  const { WebSocket } = await import('ws');
  const socket = new WebSocket(`${gw.url.replace('http', 'ws')}/api/v1/app/dev/relay/laptop/connect`, {
    headers: { authorization: 'Bearer test-token-0123456789abcdef' },
  });
  try {
    let n = 0;
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; id: string };
      if (frame.type !== 'delivery') return;
      n++;
      const hostile = {
        type: 'result',
        id: frame.id,
        status: 1e12,
        headers: { 'content-type': 5 },
        body: { not: 'text' },
        durationMs: -3.5,
        error: { a: 1 },
      };
      const fine = {
        type: 'result',
        id: frame.id,
        status: 204,
        headers: { 'content-type': 'text/plain' },
        body: 'ok',
        durationMs: 3,
        error: null,
      };
      socket.send(JSON.stringify(n === 1 ? hostile : fine));
    });
    await new Promise((resolve, reject) => {
      socket.once('message', resolve);
      socket.once('error', reject);
    });
    const sent = await gw.api('/app/dev/msg', { method: 'POST', body: JSON.stringify({ eventType: 'a.b', payload: { n: 1 } }) });
    const msg = ((await sent.json()) as { id: string }).id;
    const attempts = await eventually(
      async () => {
        const page = (await (await gw.api(`/app/dev/attempt/msg/${msg}`)).json()) as {
          data: Array<{ responseStatusCode: number; response: string; error: string | null; responseDurationMs: number }>;
        };
        return page.data.some((a) => a.responseStatusCode === 204) ? page.data : undefined;
      },
      15_000,
      'the retried delivery answered 204',
    );
    const bad = attempts.find((a) => a.responseStatusCode !== 204);
    assert.ok(bad, JSON.stringify(attempts));
    assert.deepEqual([bad.responseStatusCode, bad.response, bad.error], [0, '', 'the listener gave no status']);
    assert.ok(bad.responseDurationMs >= 0);
  } finally {
    socket.terminate();
    await gw.stop();
  }
});

test('/metrics on its own address: nosniff, and wrong tokens are limited per address as on the API', async () => {
  const gw = await startTestGateway(
    `
auth: { failedAuthPerMinute: 3 }
metrics: { listen: "127.0.0.1:0", token: metrics-scrape-token-0123 }
`,
    { logLevel: 'silent' },
  );
  try {
    const scrape = (token: string) => fetch(gw.gateway.metricsUrl, { headers: { authorization: `Bearer ${token}` } });
    const ok = await scrape('metrics-scrape-token-0123');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('x-content-type-options'), 'nosniff');
    for (let i = 0; i < 3; i++) assert.equal((await scrape(`wrong-${i}`)).status, 401);
    const limited = await scrape('metrics-scrape-token-0123');
    assert.equal(limited.status, 429, 'past the limit even the right token waits, so a right guess is not revealed');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  } finally {
    await gw.stop();
  }
});

test("headers a transformation adds or changes take the endpoints' one header rule; those it passes through stay", async () => {
  const gw = await startTestGateway('applications:\n  shop:\n    endpoints:\n      - { id: ep, url: "http://127.0.0.1:9/hook" }\n', {
    logLevel: 'silent',
  });
  try {
    const tryCode = async (code: string, headers: Record<string, string> = {}) => {
      const res = await gw.api('/app/shop/endpoint/ep/transformation/test', {
        method: 'POST',
        body: JSON.stringify({ code, payload: { a: 1 }, headers }),
      });
      assert.equal(res.status, 200);
      return (await res.json()) as { ok: boolean; error?: string; webhook?: { headers: Record<string, string> } };
    };
    for (const [name, value, why] of [
      ['expect', '100-continue', /set by Sluice or by HTTP/],
      ['upgrade', 'h2c', /set by Sluice or by HTTP/],
      ['sluice-message-id', 'msg_spoofed', /set by Sluice or by HTTP/],
      ['x-tenant', 'caf\u00e9', /printable ASCII/],
    ] as const) {
      const out = await tryCode(`(w) => { w.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}; return w; }`);
      assert.equal(out.ok, false, name);
      assert.match(out.error ?? '', why);
      assert.match(out.error ?? '', new RegExp(`webhook\\.headers\\.${name}`));
    }
    const fine = await tryCode(
      '(w) => { w.headers["x-tenant"] = "acme"; w.headers["content-type"] = "text/plain"; w.payload = "hi"; return w; }',
    );
    assert.equal(fine.ok, true, fine.error);
    // Sluice's own stored marks (a reconciled message's) pass through a transformation that leaves them alone.
    const through = await tryCode('(w) => w', { 'sluice-reconciled': 'true' });
    assert.equal(through.ok, true, through.error);
    assert.equal(through.webhook?.headers['sluice-reconciled'], 'true');
  } finally {
    await gw.stop();
  }
});
