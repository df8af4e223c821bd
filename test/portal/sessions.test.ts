import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Svix } from 'svix';
import { parseConfig } from '../../src/gateway/config.ts';
import { startGateway, type Gateway } from '../../src/gateway/gateway.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { API_TOKEN, LogSink, startTestGateway, tempDir } from '../helpers/gateway.ts';
import { freshDatabase, postgresSkip } from '../scale/cluster.ts';

type Gw = Awaited<ReturnType<typeof startTestGateway>>;
const keyOf = (url: string): string => decodeURIComponent(new URL(url).hash.replace(/^#key=/, ''));

async function access(gw: Gw, app: string, body: unknown = {}): Promise<{ url: string; token: string }> {
  const res = await gw.api(`/auth/app-portal-access/${app}`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  return (await res.json()) as { url: string; token: string };
}

const exchange = (base: string, key: unknown): Promise<Response> =>
  fetch(`${base}/api/v1/auth/portal-session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  });
const as = (base: string, token: string, path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${base}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });

describe('portal sessions', () => {
  let gw: Gw;
  before(async () => {
    gw = await startTestGateway('applications:\n  shop: { name: Shop }\n  other: {}\n', { logLevel: 'silent' });
  });
  after(async () => gw?.stop());

  test('the portal URL carries a one-time key, not the bearer token; the key is exchanged once', async () => {
    const { url, token } = await access(gw, 'shop', { capabilities: ['ViewBase', 'ManageEndpoint'] });
    const key = keyOf(url);
    assert.match(new URL(url).pathname, /\/portal\/$/);
    assert.notEqual(key, token);
    assert.ok(!url.includes(token), 'the bearer token is nowhere in the URL');
    // The key is no bearer token.
    assert.equal((await as(gw.url, key, '/app/shop/endpoint')).status, 401);

    const first = await exchange(gw.url, key);
    assert.equal(first.status, 201);
    const session = (await first.json()) as { token: string; appId: string; capabilities: string[]; expiresAt: string };
    assert.deepEqual(session.capabilities, ['ViewBase', 'ManageEndpoint']);
    assert.ok(Date.parse(session.expiresAt) <= Date.now() + 7 * 86_400_000);
    assert.equal((await as(gw.url, session.token, '/app/shop/endpoint')).status, 200);

    const view = (await (await as(gw.url, session.token, '/auth/portal-session')).json()) as {
      appName: string;
      appUid: string;
      capabilities: string[];
      rotationGraceSeconds: number;
    };
    assert.deepEqual(
      [view.appName, view.appUid, view.capabilities, view.rotationGraceSeconds],
      ['Shop', 'shop', ['ViewBase', 'ManageEndpoint'], 86_400],
    );

    const second = await exchange(gw.url, key);
    assert.equal(second.status, 410);
    assert.equal(((await second.json()) as { code: string }).code, 'link_used');
    // The answer's token stays a bearer token (what a platform's own UI uses).
    assert.equal((await as(gw.url, token, '/app/shop/endpoint')).status, 200);
  });

  test('bad keys: unknown 404, malformed 422, none of them a session', async () => {
    assert.equal((await exchange(gw.url, 'sluice_pk_nothing')).status, 404);
    assert.equal((await exchange(gw.url, 'x'.repeat(500))).status, 422);
    const res = await fetch(`${gw.url}/api/v1/auth/portal-session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(res.status, 422);
    // The session view is a portal's: the API token is refused.
    assert.equal((await gw.api('/auth/portal-session')).status, 403);
  });

  test('logout ends a session; expire-all ends every session and token of the application, and only of it', async () => {
    const a1 = await access(gw, 'shop');
    const a2 = await access(gw, 'shop');
    const b = await access(gw, 'other');
    const s1 = ((await (await exchange(gw.url, keyOf(a1.url))).json()) as { token: string }).token;
    assert.equal((await as(gw.url, s1, '/auth/logout', { method: 'POST', body: '{}' })).status, 204);
    assert.equal((await as(gw.url, s1, '/app/shop/endpoint')).status, 401);
    assert.equal((await as(gw.url, a1.token, '/app/shop/endpoint')).status, 200, 'the logout ended that session only');

    const s2 = ((await (await exchange(gw.url, keyOf(a2.url))).json()) as { token: string }).token;
    // A tenant cannot end its application's sessions itself (that is the platform's call).
    assert.equal((await as(gw.url, s2, '/auth/app/shop/expire-all', { method: 'POST', body: '{}' })).status, 403);
    const unused = await access(gw, 'shop');
    assert.equal((await gw.api('/auth/app/shop/expire-all', { method: 'POST', body: '{}' })).status, 204);
    for (const t of [a1.token, a2.token, s2]) assert.equal((await as(gw.url, t, '/app/shop/endpoint')).status, 401);
    const late = await exchange(gw.url, keyOf(unused.url));
    assert.equal(late.status, 410);
    assert.equal(((await late.json()) as { code: string }).code, 'link_expired');
    assert.equal((await as(gw.url, b.token, '/app/other/endpoint')).status, 200, 'another application is untouched');
    assert.equal((await gw.api('/auth/app/nothing/expire-all', { method: 'POST', body: '{}' })).status, 404);
  });

  test("Svix's client: portal access with a sessionId, expire-all of those sessions only, then of every one after a grace", async () => {
    const svix = new Svix(API_TOKEN, { serverUrl: gw.url, retryScheduleInMs: [] });
    const alice = await svix.authentication.appPortalAccess('shop', { sessionId: 'user-alice' });
    const bob = await svix.authentication.appPortalAccess('shop', { sessionId: 'user-bob' });
    assert.match(alice.url, /#key=sluice_pk_/);
    const aliceSession = ((await (await exchange(gw.url, keyOf(alice.url))).json()) as { token: string }).token;
    await svix.authentication.expireAll('shop', { sessionIds: ['user-alice'] });
    assert.equal((await as(gw.url, alice.token, '/app/shop/endpoint')).status, 401);
    assert.equal((await as(gw.url, aliceSession, '/app/shop/endpoint')).status, 401, 'the session made from her link too');
    assert.equal((await as(gw.url, bob.token, '/app/shop/endpoint')).status, 200);
    // With a grace period the tokens keep working until it ends.
    await svix.authentication.expireAll('shop', { expiry: 3600 });
    assert.equal((await as(gw.url, bob.token, '/app/shop/endpoint')).status, 200);
    const bad = await gw.api('/auth/app/shop/expire-all', { method: 'POST', body: JSON.stringify({ expiry: -1 }) });
    assert.equal(bad.status, 422);
    assert.equal(
      (await gw.api('/auth/app-portal-access/shop', { method: 'POST', body: JSON.stringify({ sessionId: 'x'.repeat(300) }) })).status,
      422,
    );
    // The portal token logs itself out with the client (Svix's auth/logout).
    await new Svix(bob.token, { serverUrl: gw.url, retryScheduleInMs: [] }).authentication.logout();
    assert.equal((await as(gw.url, bob.token, '/app/shop/endpoint')).status, 401);
  });

  test('portal settings: white-label and framing set by the platform, checked, never by the tenant', async () => {
    const bad = await gw.api('/app/shop/portal-settings', { method: 'PUT', body: JSON.stringify({ primaryColor: 'red' }) });
    assert.equal(bad.status, 422);
    assert.match(((await bad.json()) as { detail: string }).detail, /primaryColor/);
    assert.equal(
      (await gw.api('/app/shop/portal-settings', { method: 'PUT', body: JSON.stringify({ frameAncestors: ['javascript:x'] }) })).status,
      422,
    );
    assert.equal((await gw.api('/app/shop/portal-settings', { method: 'PUT', body: JSON.stringify({ logoUrl: 'ftp://x' }) })).status, 422);
    const ok = await gw.api('/app/shop/portal-settings', {
      method: 'PUT',
      body: JSON.stringify({
        displayName: 'Shop Webhooks',
        logoUrl: 'https://shop.test/logo.png',
        primaryColor: '#AA3300',
        frameAncestors: ['https://shop.test'],
      }),
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), {
      displayName: 'Shop Webhooks',
      logoUrl: 'https://shop.test/logo.png',
      primaryColor: '#aa3300',
      frameAncestors: ['https://shop.test'],
      effectiveFrameAncestors: ['https://shop.test'],
      allowRetrySchedule: false,
    });
    const { token } = await access(gw, 'shop');
    assert.equal(
      (await as(gw.url, token, '/app/shop/portal-settings', { method: 'PUT', body: JSON.stringify({ displayName: 'x' }) })).status,
      403,
    );
    const view = (await (await as(gw.url, token, '/auth/portal-session')).json()) as { appName: string; branding: unknown };
    assert.deepEqual(view, {
      ...view,
      appName: 'Shop Webhooks',
      branding: { logoUrl: 'https://shop.test/logo.png', primaryColor: '#aa3300' },
    });
  });
});

describe('the portal page', () => {
  test("served at every /portal/ path with the application's frame-ancestors, else the global list", async () => {
    const gw = await startTestGateway('portal: { frameAncestors: ["https://platform.test"] }\napplications:\n  shop: {}\n  other: {}\n', {
      logLevel: 'silent',
    });
    try {
      await gw.api('/app/shop/portal-settings', {
        method: 'PUT',
        body: JSON.stringify({ frameAncestors: ['https://shop.test', 'https://*.shop.test'] }),
      });
      const csp = async (path: string) => {
        const res = await fetch(`${gw.url}${path}`);
        assert.equal(res.status, 200, path);
        assert.match(res.headers.get('content-type') ?? '', /text\/html/);
        await res.arrayBuffer();
        return /frame-ancestors ([^;]+)/.exec(res.headers.get('content-security-policy') ?? '')?.[1];
      };
      const shop = (await (await gw.api('/app/shop')).json()) as { id: string };
      assert.equal(await csp(`/portal/?app=${shop.id}`), 'https://shop.test https://*.shop.test');
      assert.equal(await csp('/portal/endpoints/ep_1?app=shop'), 'https://shop.test https://*.shop.test');
      assert.equal(await csp('/portal/?app=other'), 'https://platform.test');
      assert.equal(await csp('/portal/logs'), 'https://platform.test');
      assert.equal(await csp('/portal/?app=nothing'), 'https://platform.test');
      const bare = await fetch(`${gw.url}/portal?app=shop`, { redirect: 'manual' });
      assert.equal(bare.status, 301);
      assert.equal(bare.headers.get('location'), '/portal/?app=shop');
    } finally {
      await gw.stop();
    }
  });
});

describe('portal sessions across processes on PostgreSQL', { skip: await postgresSkip(), timeout: 60_000 }, () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const tmp = tempDir('sluice-portal-pg-');
  let one: Gateway;
  let two: Gateway;
  before(async () => {
    db = await freshDatabase();
    const config = parseConfig(
      `apiToken: ${API_TOKEN}\nserver: { host: 127.0.0.1, port: 0 }\ndataDir: ${tmp.dir}\nstorage: { url: "${db.url}", poolSize: 2 }\napplications:\n  shop: {}\n`,
      'test.yaml',
      {},
      {},
    );
    one = await startGateway(config, createLogger('warn', new LogSink()), { role: 'api' });
    two = await startGateway(config, createLogger('warn', new LogSink()), { role: 'api' });
  });
  after(async () => {
    await one?.stop();
    await two?.stop();
    await db?.drop();
    tmp.remove();
  });

  test('a key used on one process is used on the other; a logout and an expire-all on one end the session on the other', async () => {
    const issue = async () =>
      (await (await as(one.url, API_TOKEN, '/auth/app-portal-access/shop', { method: 'POST', body: '{}' })).json()) as {
        url: string;
        token: string;
      };
    const a = await issue();
    const session = ((await (await exchange(one.url, keyOf(a.url))).json()) as { token: string }).token;
    assert.equal((await exchange(two.url, keyOf(a.url))).status, 410);
    assert.equal((await as(two.url, session, '/app/shop/endpoint')).status, 200);
    assert.equal((await as(one.url, session, '/auth/logout', { method: 'POST', body: '{}' })).status, 204);
    assert.equal((await as(two.url, session, '/app/shop/endpoint')).status, 401);
    const b = await issue();
    assert.equal((await as(two.url, b.token, '/app/shop/endpoint')).status, 200);
    assert.equal((await as(one.url, API_TOKEN, '/auth/app/shop/expire-all', { method: 'POST', body: '{}' })).status, 204);
    assert.equal((await as(two.url, b.token, '/app/shop/endpoint')).status, 401);
  });
});

describe('portal config', () => {
  const parse = (portal: string) =>
    parseConfig(`apiToken: ${API_TOKEN}\nserver: { host: 127.0.0.1, port: 0 }\n${portal}`, 'test.yaml', {}, {});
  test('portal.frameAncestors and portal.sessionTtl: defaults, values, and refusals naming the key', () => {
    assert.deepEqual(parse('').portal, { frameAncestors: ["'self'"], sessionTtlMs: 7 * 86_400_000 });
    assert.deepEqual(
      parse('portal: { frameAncestors: ["https://app.example.com", "https://*.example.org:8443"], sessionTtl: 12h }').portal,
      { frameAncestors: ['https://app.example.com', 'https://*.example.org:8443'], sessionTtlMs: 12 * 3_600_000 },
    );
    assert.throws(() => parse('portal: { frameAncestors: ["https://a.test/path"] }'), /portal\.frameAncestors/);
    assert.throws(() => parse('portal: { sessionTtl: 30d }'), /portal\.sessionTtl/);
    assert.throws(() => parse('portal: { nope: 1 }'), /portal\.nope/);
  });
});
