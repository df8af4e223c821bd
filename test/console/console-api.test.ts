import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { SESSION_COOKIE } from '../../src/auth/console-session.ts';
import { API_TOKEN, eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** Reads `GET /api/v1/stream` until `until` holds for the events seen, then closes it. */
async function readStream(
  url: string,
  headers: Record<string, string>,
  until: (events: Array<{ event: string; data: Record<string, unknown> }>) => boolean,
  act: () => Promise<void>,
) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: Array<{ event: string; data: Record<string, unknown> }> = [];
  const reader = res.body!.getReader();
  let buffer = '';
  const timer = setTimeout(() => controller.abort(), 15_000);
  await act();
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += new TextDecoder().decode(value);
      for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

describe('console API: sessions, stream, overview, search, rejected, sources', { timeout: 120_000 }, () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const receiver = new Receiver(() => ({ status: 200 }));
  const wh = new Webhook(SECRET);
  let n = 0;
  const send = async (type: string, secret = SECRET) => {
    n++;
    const id = `evt_api_${n}`;
    const body = JSON.stringify({ type, n });
    const at = new Date();
    const res = await fetch(`${gw.url}/in/demo`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(id, at, body),
      },
      body,
    });
    return { status: res.status, eventId: id, body, msgId: ((await res.json()) as { id?: string }).id };
  };
  const signIn = async (origin = gw.url) => {
    const res = await fetch(`${gw.url}/api/v1/auth/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ token: API_TOKEN }),
    });
    return { res, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] as string };
  };

  before(async () => {
    await receiver.start();
    gw = await startTestGateway(
      `
applications:
  billing:
    endpoints:
      - { id: ledger, url: "${receiver.url}" }
sources:
  demo:
    provider: standard-webhooks
    application: billing
    secret: ${SECRET}
`,
      { logLevel: 'warn' },
    );
    void wh;
  });
  after(async () => {
    await gw?.stop();
    await receiver.stop();
  });

  test('serving: / redirects, console pages are the app page, hashed assets immutable, API 404s stay JSON', async () => {
    const root = await fetch(`${gw.url}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/console/');
    const page = await fetch(`${gw.url}/console/messages/msg_whatever`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const html = await page.text();
    const asset = /\/console\/assets\/[^"]+\.js/.exec(html)?.[0];
    assert.ok(asset, 'the page loads a hashed script');
    const js = await fetch(`${gw.url}${asset}`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('cache-control') ?? '', /immutable/);
    const missing = await fetch(`${gw.url}/api/v1/no-such-route`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { code: string }).code, 'not_found');
  });

  test('sign in: wrong token 401 with a message, right one a HttpOnly SameSite=Strict cookie; Secure behind https; sign out kills it', async () => {
    const wrong = await fetch(`${gw.url}/api/v1/auth/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: gw.url },
      body: JSON.stringify({ token: 'wrong-token-wrong-token' }),
    });
    assert.equal(wrong.status, 401);
    assert.match(((await wrong.json()) as { detail: string }).detail, /not valid/);
    const missing = await fetch(`${gw.url}/api/v1/auth/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: gw.url },
      body: '{}',
    });
    assert.equal(missing.status, 422);

    const { res, cookie } = await signIn();
    assert.equal(res.status, 201);
    const setCookie = res.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.doesNotMatch(setCookie, /Secure/, 'plain http on loopback');
    assert.deepEqual(await res.json().then((b) => ({ ...(b as object), expiresAt: undefined })), {
      kind: 'session',
      name: 'default',
      role: 'admin',
      applications: null,
      expiresAt: undefined,
    });
    const me = await fetch(`${gw.url}/api/v1/auth/me`, { headers: { cookie } });
    assert.deepEqual(await me.json(), { kind: 'session', name: 'default', role: 'admin', applications: null });
    const bearer = await gw.api('/auth/me');
    assert.deepEqual(await bearer.json(), { kind: 'token', name: 'default', role: 'admin', applications: null });

    const out = await fetch(`${gw.url}/api/v1/auth/session`, { method: 'DELETE', headers: { cookie, origin: gw.url } });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', new RegExp(`${SESSION_COOKIE}=;`));
    assert.equal((await fetch(`${gw.url}/api/v1/auth/me`, { headers: { cookie } })).status, 401);
  });

  test('a session cookie set behind an https proxy is Secure (trustProxy)', async () => {
    const behind = await startTestGateway('trustProxy: true\n', { logLevel: 'warn' });
    try {
      const res = await fetch(`${behind.url}/api/v1/auth/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https', origin: behind.url.replace('http:', 'https:') },
        body: JSON.stringify({ token: API_TOKEN }),
      });
      assert.equal(res.status, 201);
      assert.match(res.headers.get('set-cookie') ?? '', /Secure/);
    } finally {
      await behind.stop();
    }
  });

  test("CSRF: a change with the session cookie must come from the console's own origin; reads need no Origin", async () => {
    const { cookie } = await signIn();
    const app = (await (await gw.api('/app/billing')).json()) as { id: string };
    const sent = await send('invoice.paid');
    const replay = (headers: Record<string, string>) =>
      fetch(`${gw.url}/api/v1/app/${app.id}/msg/${sent.msgId}/replay`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: '{}',
      });
    const none = await replay({});
    assert.equal(none.status, 403);
    assert.equal(((await none.json()) as { code: string }).code, 'csrf_refused');
    assert.equal((await replay({ origin: 'http://evil.example' })).status, 403);
    assert.equal((await replay({ origin: gw.url })).status, 202);
    assert.equal((await fetch(`${gw.url}/api/v1/app/${app.id}/msg/${sent.msgId}`, { headers: { cookie } })).status, 200);
    const crossSignIn = await signIn('http://evil.example');
    assert.equal(crossSignIn.res.status, 403, 'no signing in from another site either');
  });

  test('the console can be switched off: / and /console/ are 404 again', async () => {
    const off = await startTestGateway('console: { enabled: false }\n', { logLevel: 'warn' });
    try {
      assert.equal((await fetch(`${off.url}/`, { redirect: 'manual' })).status, 404);
      assert.equal((await fetch(`${off.url}/console/`)).status, 404);
      assert.equal((await off.api('/auth/me')).status, 200, 'the API stays');
    } finally {
      await off.stop();
    }
  });

  test('stream: ingest and attempt events in the documented shape; filters; a bad filter is a 400 naming it', async () => {
    const auth = { authorization: `Bearer ${API_TOKEN}` };
    const billing = (await (await gw.api('/app/billing')).json()) as { id: string };
    let sent: Awaited<ReturnType<typeof send>> | undefined;
    const events = await readStream(
      `${gw.url}/api/v1/stream?app=billing`,
      auth,
      (es) =>
        es.some((e) => e.event === 'attempt' && e.data.msgId === sent?.msgId) &&
        es.some((e) => e.event === 'ingest' && e.data.decision === 'rejected'),
      async () => {
        sent = await send('invoice.paid');
        await send('invoice.paid', 'whsec_dGhpcyBpcyBub3QgdGhlIHJpZ2h0IHNlY3JldA==');
      },
    );
    const ingest = events.find((e) => e.event === 'ingest' && e.data.msgId === sent?.msgId)?.data;
    assert.deepEqual(
      { ...ingest, at: undefined },
      {
        type: 'ingest',
        at: undefined,
        source: 'demo',
        app: billing.id,
        msgId: sent?.msgId,
        eventType: 'invoice.paid',
        eventId: sent?.eventId,
        decision: 'accepted',
      },
    );
    const attempt = events.find((e) => e.event === 'attempt' && e.data.msgId === sent?.msgId)?.data as Record<string, unknown>;
    assert.equal(attempt.type, 'attempt');
    assert.equal(attempt.app, billing.id);
    assert.equal(attempt.status, 200);
    assert.equal(attempt.outcome, 'succeeded');
    assert.equal(attempt.eventType, 'invoice.paid');
    assert.match(String(attempt.deliveryId), /^dlv_/);
    assert.match(String(attempt.endpointId), /^ep_/);
    assert.equal(typeof attempt.durationMs, 'number');
    const rejected = events.find((e) => e.event === 'ingest' && e.data.decision === 'rejected')?.data;
    assert.equal(rejected?.msgId, null);
    assert.equal(rejected?.reason, 'no signature matches');

    const onlyAttempts = await readStream(
      `${gw.url}/api/v1/stream?events=attempt`,
      auth,
      (es) => es.length >= 1,
      async () => void (await send('invoice.paid')),
    );
    assert.ok(onlyAttempts.every((e) => e.event === 'attempt'));

    const bad = await fetch(`${gw.url}/api/v1/stream?events=ingest,bogus`, { headers: auth });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { detail: string }).detail, /^events:/);
    const badApp = await fetch(`${gw.url}/api/v1/stream?app=nope`, { headers: auth });
    assert.equal(badApp.status, 400);
    assert.match(((await badApp.json()) as { detail: string }).detail, /^app:/);
    const unknown = await fetch(`${gw.url}/api/v1/stream?colour=red`, { headers: auth });
    assert.equal(unknown.status, 400);
    assert.match(((await unknown.json()) as { detail: string }).detail, /colour: unknown parameter/);
    assert.equal((await fetch(`${gw.url}/api/v1/stream`)).status, 401);
  });

  test('stream: a client that stops reading is dropped, and ingest never waits for it', async () => {
    const listeners = gw.gateway.live.size;
    const url = new URL(`${gw.url}/api/v1/stream`);
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, headers: { authorization: `Bearer ${API_TOKEN}` } });
    const response = await new Promise<import('node:http').IncomingMessage>((resolve) => req.on('response', resolve).end());
    response.pause(); // a stalled browser: never reads again
    await eventually(() => (gw.gateway.live.size === listeners + 1 ? true : undefined), 5_000, 'the stream to subscribe');
    const big = 'x'.repeat(4096);
    for (let i = 0; i < 5000 && gw.gateway.live.size > listeners; i++) {
      gw.gateway.live.publish(
        {
          type: 'ingest',
          at: new Date().toISOString(),
          source: 'demo',
          app: 'app_x',
          msgId: null,
          eventType: big,
          eventId: null,
          decision: 'rejected',
        },
        { source: 'flood', remote: true },
      );
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    assert.equal(gw.gateway.live.size, listeners, 'the stalled client was unsubscribed');
    response.destroy();
  });

  test('stream: maxPerSecond thins the events and counts the rest in skipped frames; a bad value is a 400 naming it', async () => {
    const auth = { authorization: `Bearer ${API_TOKEN}` };
    const total = 50;
    const events = await readStream(
      `${gw.url}/api/v1/stream?source=thinned&maxPerSecond=3`,
      auth,
      (es) =>
        es.filter((e) => e.event === 'ingest').length + es.reduce((n, e) => n + (e.event === 'skipped' ? Number(e.data.count) : 0), 0) >=
        total,
      async () => {
        // The subscription is made when the stream's headers are sent, before this runs.
        for (let i = 0; i < total; i++) {
          gw.gateway.live.publish(
            {
              type: 'ingest',
              at: new Date().toISOString(),
              source: 'thinned',
              app: 'app_x',
              msgId: null,
              eventType: `t.${i}`,
              eventId: null,
              decision: 'rejected',
            },
            { source: 'thinned', remote: true },
          );
        }
      },
    );
    const shown = events.filter((e) => e.event === 'ingest');
    const skipped = events.filter((e) => e.event === 'skipped').reduce((n, e) => n + Number(e.data.count), 0);
    assert.equal(shown.length + skipped, total, 'every event is either sent or counted');
    assert.ok(shown.length < total && skipped > 0, `thinned: ${shown.length} shown, ${skipped} skipped`);
    assert.equal(shown[0]?.data.eventType, 't.0', 'the first events of a window go out');

    for (const value of ['0', 'lots', '-2']) {
      const bad = await fetch(`${gw.url}/api/v1/stream?maxPerSecond=${value}`, { headers: auth });
      assert.equal(bad.status, 400, value);
      assert.match(((await bad.json()) as { detail: string }).detail, /^maxPerSecond:/);
    }
  });

  test('overview: counters from the store, per-minute series, queue; a bad window is a 400 naming it', async () => {
    await gw.gateway.flushCounters();
    const before = ((await (await gw.api('/stats/overview?window=5m')).json()) as { counters: Record<string, number> }).counters;
    const seen = receiver.requests.length;
    await send('invoice.paid');
    await send('invoice.paid', 'whsec_dGhpcyBpcyBub3QgdGhlIHJpZ2h0IHNlY3JldA==');
    await receiver.waitFor(seen + 1);
    await eventually(
      async () => {
        await gw.gateway.flushCounters();
        const o = (await (await gw.api('/stats/overview?window=5m')).json()) as {
          counters: Record<string, number>;
          avgIngestToDeliveredMs: number | null;
        };
        return o.counters.delivered! > before.delivered! ? o : undefined;
      },
      10_000,
      'the delivered count',
    );
    const o = (await (await gw.api('/stats/overview?window=5m')).json()) as {
      counters: Record<string, number>;
      avgIngestToDeliveredMs: number;
      series: { bucketMs: number; points: Array<{ at: string; received: number }> };
      queue: Record<string, number>;
    };
    assert.equal(o.counters.received! - before.received!, 2);
    assert.equal(o.counters.verified! - before.verified!, 1);
    assert.equal(o.counters.rejected! - before.rejected!, 1);
    assert.ok(o.avgIngestToDeliveredMs >= 0);
    assert.equal(o.series.bucketMs, 60_000);
    assert.ok(o.series.points.length >= 5 && o.series.points.length <= 6);
    assert.equal(
      o.series.points.reduce((s, p) => s + p.received, 0),
      o.counters.received,
    );
    assert.deepEqual(Object.keys(o.queue).sort(), ['depth', 'inFlight', 'oldestPendingAgeMs', 'pending', 'scheduled']);
    for (const w of ['1h', '24h', '7d']) assert.equal((await gw.api(`/stats/overview?window=${w}`)).status, 200);
    const bad = await gw.api('/stats/overview?window=2m');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { detail: string }).detail, /^window:/);
  });

  test('a message created through the API is one live ingest event and one Received, as a webhook is; a repeat is a duplicate', async () => {
    const auth = { authorization: `Bearer ${API_TOKEN}` };
    await gw.gateway.flushCounters();
    const before = ((await (await gw.api('/stats/overview?window=5m')).json()) as { counters: Record<string, number> }).counters;
    let msgId = '';
    const events = await readStream(
      `${gw.url}/api/v1/stream?events=ingest`,
      auth,
      (es) => es.length >= 2,
      async () => {
        const res = await gw.api('/app/billing/msg', {
          method: 'POST',
          body: JSON.stringify({ eventType: 'invoice.created', eventId: 'evt_from_api_1', payload: { total: 3 } }),
        });
        assert.equal(res.status, 202);
        msgId = ((await res.json()) as { id: string }).id;
        const again = await gw.api('/app/billing/msg', {
          method: 'POST',
          body: JSON.stringify({ eventType: 'invoice.created', eventId: 'evt_from_api_1', payload: { total: 3 } }),
        });
        assert.equal(again.status, 409);
      },
    );
    const app = (await gw.gateway.store.getApplication('billing'))!.id;
    assert.deepEqual(
      events.map((e) => ({ ...e.data, at: typeof e.data.at })),
      [
        {
          type: 'ingest',
          at: 'string',
          source: '',
          app,
          msgId,
          eventType: 'invoice.created',
          eventId: 'evt_from_api_1',
          decision: 'accepted',
        },
        {
          type: 'ingest',
          at: 'string',
          source: '',
          app,
          msgId,
          eventType: 'invoice.created',
          eventId: 'evt_from_api_1',
          decision: 'duplicate',
        },
      ],
    );
    await gw.gateway.flushCounters();
    const after = ((await (await gw.api('/stats/overview?window=5m')).json()) as { counters: Record<string, number> }).counters;
    assert.equal(after.received! - before.received!, 2, 'each request once, like two webhooks');
    assert.equal(after.verified! - before.verified!, 2);
    assert.equal(after.duplicates! - before.duplicates!, 1);
    // A refused message (bad body) is a 4xx and no event at all.
    const bad = await gw.api('/app/billing/msg', { method: 'POST', body: JSON.stringify({ payload: {} }) });
    assert.equal(bad.status, 422);
    await gw.gateway.flushCounters();
    const last = ((await (await gw.api('/stats/overview?window=5m')).json()) as { counters: Record<string, number> }).counters;
    assert.equal(last.received, after.received);
  });

  test('message search: filters, payload search, event id, raw bytes; bad filters are 400s naming the parameter', async () => {
    const a = await send('order.created');
    const b = await send('order.cancelled');
    const list = async (q: string) => {
      const res = await gw.api(`/messages?${q}`);
      assert.equal(res.status, 200, q);
      return ((await res.json()) as { data: Array<{ id: string; deliveries?: unknown[] }> }).data.map((m) => m.id);
    };
    assert.deepEqual(await list('eventType=order.created,order.cancelled'), [b.msgId, a.msgId]);
    assert.deepEqual(await list(`eventId=${a.eventId}`), [a.msgId]);
    assert.deepEqual(await list('q=order.cancelled&source=demo&app=billing'), [b.msgId]);
    assert.deepEqual(
      await list(
        `eventType=order.created&after=${new Date(Date.now() - 60_000).toISOString()}&before=${new Date(Date.now() + 60_000).toISOString()}`,
      ),
      [a.msgId],
    );
    assert.deepEqual(await list('eventType=order.created&before=2000-01-01T00:00:00Z'), []);
    const withDeliveries = (await (await gw.api(`/messages?eventId=${a.eventId}&withDeliveries=true`)).json()) as {
      data: Array<{ deliveries: Array<{ url: string }> }>;
    };
    assert.equal(withDeliveries.data[0]?.deliveries[0]?.url, receiver.url);

    const detail = (await (await gw.api(`/messages/${a.msgId}`)).json()) as {
      payload: unknown;
      headers: Record<string, string>;
      appUid: string;
    };
    assert.deepEqual(detail.payload, JSON.parse(a.body));
    assert.equal(detail.appUid, 'billing');
    const raw = await gw.api(`/messages/${a.msgId}/raw`);
    assert.equal(raw.headers.get('content-type'), 'application/octet-stream');
    assert.equal(Buffer.from(await raw.arrayBuffer()).toString('utf8'), a.body, 'byte-exact');
    assert.equal((await gw.api('/messages/msg_nope')).status, 404);

    for (const [q, param] of [
      ['after=yesterday', 'after'],
      ['before=2026-13-45', 'before'],
      ['state=lost', 'state'],
      ['deliveryState=gone', 'deliveryState'],
      ['limit=0', 'limit'],
      ['app=nope', 'app'],
      ['endpoint=ledger', 'endpoint'],
      ['app=billing&endpoint=nope', 'endpoint'],
      ['iterator=%27%20OR%201=1', 'iterator'],
      ['colour=red', 'colour'],
      [`after=${new Date().toISOString()}&before=2020-01-01T00:00:00Z`, 'after'],
    ] as const) {
      const res = await gw.api(`/messages?${q}`);
      assert.equal(res.status, 400, q);
      assert.match(((await res.json()) as { detail: string }).detail, new RegExp(`^${param}:`), q);
    }
  });

  test('rejected requests: stored off the hot path with the reason in plain words, headers redacted, first KiB kept', async () => {
    await send('invoice.paid', 'whsec_dGhpcyBpcyBub3QgdGhlIHJpZ2h0IHNlY3JldA==');
    await gw.gateway.flushCounters();
    const page = (await (await gw.api('/rejected?source=demo&limit=1')).json()) as { data: Array<Record<string, unknown>> };
    const r = page.data[0] as {
      reason: string;
      explanation: string;
      headers: Record<string, string>;
      bodyHead: string;
      remoteAddress: string;
      bodySha256: string;
    };
    assert.equal(r.reason, 'no signature matches');
    assert.match(r.explanation, /the secret may have been rotated/);
    assert.equal(r.headers['webhook-signature'], '[redacted]');
    assert.match(r.headers['webhook-id'] ?? '', /^evt_api_/);
    assert.match(r.bodyHead, /^\{"type":"invoice.paid"/);
    assert.equal(r.remoteAddress, '127.0.0.1');
    assert.match(r.bodySha256, /^[0-9a-f]{64}$/);
    const bad = await gw.api('/rejected?limit=9999');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { detail: string }).detail, /^limit:/);
  });

  test('endpoint health: success rate and latency of the latest attempts, breaker and throttle state', async () => {
    const seen = receiver.requests.length;
    await send('invoice.paid');
    await receiver.waitFor(seen + 1);
    const health = await eventually(
      async () => {
        const h = (await (await gw.api('/app/billing/endpoint/ledger/health')).json()) as {
          sample: number;
          successRate: number;
          p50Ms: number;
          p99Ms: number;
          breaker: string;
          disabled: boolean;
          lastError: unknown;
        };
        return h.sample > 0 ? h : undefined;
      },
      10_000,
      'an attempt on record',
    );
    assert.equal(health.successRate, 1);
    assert.equal(health.breaker, 'closed');
    assert.equal(health.disabled, false);
    assert.equal(health.lastError, null);
    assert.ok(health.p50Ms <= health.p99Ms);
    assert.equal((await gw.api('/app/billing/endpoint/nope/health')).status, 404);
  });

  test('sources: ingest path, counts and last received', async () => {
    await send('invoice.paid');
    await gw.gateway.flushCounters();
    const body = (await (await gw.api('/sources')).json()) as {
      data: Array<{ name: string; provider: string; path: string; last24h: { received: number }; lastReceivedAt: string | null }>;
    };
    const demo = body.data.find((s) => s.name === 'demo');
    assert.equal(demo?.provider, 'standard-webhooks');
    assert.equal(demo?.path, '/in/demo');
    assert.ok((demo?.last24h.received ?? 0) > 0);
    assert.ok(demo?.lastReceivedAt);
  });
});
