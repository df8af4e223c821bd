import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CAPABILITIES, type Capability } from '../../src/auth/principal.ts';
import { classifyRoute } from '../../src/auth/route-access.ts';
import { startTestGateway, eventually } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';

/**
 * The isolation matrix, generated from the route table: every route of
 * /api/v1 (as Fastify's onRoute hook collected them into the OpenAPI document)
 * is tried by every kind of principal. A route added later is covered without
 * anyone remembering to, and one the access rules cannot classify fails here.
 */
const VIEWER = 'matrix-viewer-token-0123';
const SHOP_OPS = 'matrix-shop-operator-0123';
const READ_METHODS = new Set(['GET', 'HEAD']);

test('route matrix: tenants, read-only sessions, viewers and app-limited tokens against every /api/v1 route', async () => {
  const receiver = await new Receiver().start();
  const gw = await startTestGateway(
    `
auth:
  failedAuthPerMinute: 0
  tokens:
    - { name: viewer, token: ${VIEWER}, role: viewer }
    - { name: shop-ops, token: ${SHOP_OPS}, role: operator, applications: [shop] }
applications:
  shop: {}
  other: {}
eventTypes:
  a.b: { description: an event }
`,
    { logLevel: 'silent' },
  );
  try {
    // Objects of application B ("other"), which A's principals must not reach.
    const objects: Record<string, string> = { app_id: 'other', name: 'a.b' };
    const ep = await gw.api('/app/other/endpoint', { method: 'POST', body: JSON.stringify({ url: receiver.url }) });
    objects.endpoint_id = ((await ep.json()) as { id: string }).id;
    const msg = await gw.api('/app/other/msg', { method: 'POST', body: JSON.stringify({ eventType: 'a.b', payload: { n: 1 } }) });
    objects.msg_id = ((await msg.json()) as { id: string }).id;
    objects.attempt_id = await eventually(
      async () => {
        const page = (await (await gw.api(`/app/other/attempt/msg/${objects.msg_id}`)).json()) as { data: Array<{ id: string }> };
        return page.data[0]?.id;
      },
      15_000,
      'an attempt of B',
    );
    // A's own objects, for the read-only session.
    const own: Record<string, string> = { app_id: 'shop', name: 'a.b' };
    const ownEp = await gw.api('/app/shop/endpoint', { method: 'POST', body: JSON.stringify({ url: receiver.url }) });
    own.endpoint_id = ((await ownEp.json()) as { id: string }).id;
    own.msg_id = (
      (await (await gw.api('/app/shop/msg', { method: 'POST', body: JSON.stringify({ eventType: 'a.b', payload: {} }) })).json()) as {
        id: string;
      }
    ).id;
    own.attempt_id = 'atmpt_none';

    const portal = async (body: unknown): Promise<string> =>
      ((await (await gw.api('/auth/app-portal-access/shop', { method: 'POST', body: JSON.stringify(body) })).json()) as { token: string })
        .token;
    // The portal page's own door: a URL's one-time key exchanged for a stored session.
    const session = async (body: unknown): Promise<string> => {
      const { url } = (await (await gw.api('/auth/app-portal-access/shop', { method: 'POST', body: JSON.stringify(body) })).json()) as {
        url: string;
      };
      const key = decodeURIComponent(new URL(url).hash.replace(/^#key=/, ''));
      const res = await fetch(`${gw.url}/api/v1/auth/portal-session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key }),
      });
      return ((await res.json()) as { token: string }).token;
    };
    const fullPortal = await portal({});
    const readOnlyPortal = await portal({ readOnly: true });
    const fullSession = await session({});
    const readOnlySession = await session({ readOnly: true });
    // Per capability: a session with it alone (beside ViewBase), and one with every other but it; on objects of A of their own.
    const withOnly = new Map<Capability, string>();
    const withAllBut = new Map<Capability, string>();
    for (const c of CAPABILITIES) {
      withOnly.set(c, await session({ capabilities: c === 'ViewBase' ? ['ViewBase'] : ['ViewBase', c] }));
      withAllBut.set(c, await session({ capabilities: CAPABILITIES.filter((x) => x !== c) }));
    }
    const capOwn: Record<string, string> = { ...own };
    capOwn.endpoint_id = (
      (await (await gw.api('/app/shop/endpoint', { method: 'POST', body: JSON.stringify({ url: receiver.url }) })).json()) as { id: string }
    ).id;

    const doc = (await (await gw.api('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path })));
    assert.ok(routes.length >= 40, `the route table has every route (${routes.length})`);

    const unclassified: string[] = [];
    const failures: string[] = [];
    const call = async (token: string, method: string, template: string, values: Record<string, string>): Promise<number> => {
      const path = template.replace(/\{(\w+)\}/g, (_m, k: string) => encodeURIComponent(values[k] ?? `unknown_${k}`));
      const res = await fetch(`${gw.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(READ_METHODS.has(method) ? {} : { 'content-type': 'application/json' }) },
        ...(READ_METHODS.has(method) ? {} : { body: '{}' }),
      });
      // A live stream answers and never ends: its status is the answer, the body is dropped.
      if (res.headers.get('content-type')?.includes('text/event-stream')) await res.body?.cancel();
      else await res.arrayBuffer();
      return res.status;
    };
    for (const { method, path } of routes) {
      const fastifyPath = path.replace(/\{(\w+)\}/g, ':$1');
      const access = classifyRoute(method, fastifyPath);
      const label = `${method} ${path}`;
      if (access === null) {
        unclassified.push(label);
        continue;
      }
      if (access.scope === 'public') continue;
      // Logout ends the very session that calls it, so the matrix cannot run it without losing its tokens;
      // test/api/svix-compat.test.ts covers it (a portal token logs out, the API token is refused).
      if (label === 'POST /api/v1/auth/logout') continue;
      const mutating = !READ_METHODS.has(method);
      assert.equal(access.mutating, mutating, `${label}: mutating is what its method says`);

      // A tenant (portal of A, every capability) against B's objects: 403 or 404, never an answer.
      if (access.scope === 'app') {
        const s = await call(fullPortal, method, path, objects);
        if (s !== 403 && s !== 404) failures.push(`portal of A on B: ${label} → ${s}`);
        const ss = await call(fullSession, method, path, objects);
        if (ss !== 403 && ss !== 404) failures.push(`portal session of A on B: ${label} → ${ss}`);
        const t = await call(SHOP_OPS, method, path, objects);
        if (t !== 403 && t !== 404) failures.push(`token limited to A on B: ${label} → ${t}`);
      } else {
        const s = await call(fullPortal, method, path, objects);
        if (access.portal === null && s !== 403) failures.push(`portal on operator route: ${label} → ${s}`);
        if (access.portal !== null && (s === 401 || s === 403)) failures.push(`portal refused a route it may use: ${label} → ${s}`);
        const t = await call(SHOP_OPS, method, path, objects);
        if (!access.restrictedOk && t !== 403) failures.push(`token limited to A on a global route: ${label} → ${t}`);
      }
      // Every capability decides exactly its routes: refused without it, not refused with it alone.
      if (access.portal !== null) {
        const without = await call(withAllBut.get(access.portal)!, method, path, capOwn);
        if (without !== 403) failures.push(`session without ${access.portal}: ${label} → ${without}`);
        const only = await call(withOnly.get(access.portal)!, method, path, capOwn);
        if ((only === 401 || only === 403) && !path.includes('/integration'))
          failures.push(`session with ${access.portal}: ${label} → ${only}`);
      }
      // Read-only principals: 403 on every mutating route (on their own objects), never on a read they may make.
      if (mutating) {
        const r = await call(readOnlyPortal, method, path, own);
        if (r !== 403) failures.push(`read-only portal: ${label} → ${r}`);
        const rs = await call(readOnlySession, method, path, own);
        if (rs !== 403) failures.push(`read-only portal session: ${label} → ${rs}`);
        const v = await call(VIEWER, method, path, own);
        if (v !== 403) failures.push(`viewer: ${label} → ${v}`);
      } else {
        const v = await call(VIEWER, method, path, own);
        if (access.role === 'viewer' && (v === 401 || v === 403)) failures.push(`viewer refused a read: ${label} → ${v}`);
      }
    }
    assert.deepEqual(unclassified, [], 'routes the access rules cannot classify (add them to src/auth/route-access.ts)');
    assert.deepEqual(failures, []);

    // The matrix can fail: the admin token gets through every route (deleting last).
    const ordered = [...routes].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    for (const { method, path } of ordered) {
      if (classifyRoute(method, path.replace(/\{(\w+)\}/g, ':$1'))?.scope === 'public') continue;
      // Only an app-portal token can log out (Svix answers the API token 403 there too).
      if (method === 'POST' && path === '/api/v1/auth/logout') continue;
      // The portal page's view of its own session: an API token has none (403 by design).
      if (method === 'GET' && path === '/api/v1/auth/portal-session') continue;
      const s = await call('test-token-0123456789abcdef', method, path, objects);
      // Integrations are a feature Sluice answers as off (403 feature_not_enabled, as Svix does): not a refusal of the admin.
      if (s === 403 && path.includes('/integration')) continue;
      assert.ok(s !== 401 && s !== 403, `admin on ${method} ${path} → ${s}`);
    }
  } finally {
    await gw.stop();
    await receiver.stop();
  }
});
