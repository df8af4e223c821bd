import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { API_TOKEN, startTestGateway } from '../helpers/gateway.ts';

const VIEWER = 'viewer-token-0123456789';
const SHOP_OPS = 'shop-operator-token-0123';
const HASHED = 'hashed-admin-token-0123456';

const config = `
outbound: { apiRateLimit: 0 }
auth:
  failedAuthPerMinute: 5
  tokens:
    - { name: dash, token: ${VIEWER}, role: viewer }
    - { name: shop-ops, token: ${SHOP_OPS}, role: operator, applications: [shop] }
    - { name: ci, sha256: ${createHash('sha256').update(HASHED).digest('hex')}, role: admin }
applications:
  shop: {}
  other: {}
`;

function as(url: string, token: string) {
  return (path: string, init: RequestInit = {}) =>
    fetch(`${url}/api/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
}

test('scoped API tokens: roles, applications, sha256-only tokens, GET /auth/me', async () => {
  const gw = await startTestGateway(config, { logLevel: 'silent' });
  try {
    const viewer = as(gw.url, VIEWER);
    const shopOps = as(gw.url, SHOP_OPS);
    const ci = as(gw.url, HASHED);
    assert.deepEqual(await (await gw.api('/auth/me')).json(), { kind: 'token', name: 'default', role: 'admin', applications: null });
    assert.deepEqual(await (await shopOps('/auth/me')).json(), {
      kind: 'token',
      name: 'shop-ops',
      role: 'operator',
      applications: ['shop'],
    });
    assert.equal(((await (await ci('/auth/me')).json()) as { name: string }).name, 'ci');

    // A viewer reads everything and changes nothing.
    assert.equal((await viewer('/app/shop/msg')).status, 200);
    const refused = await viewer('/app/shop/msg', { method: 'POST', body: JSON.stringify({ eventType: 'a.b', payload: {} }) });
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { detail: string }).detail, /read-only/);
    assert.equal((await viewer('/app/shop', { method: 'DELETE' })).status, 403);

    // An operator limited to shop: its own application only, nothing that spans applications.
    assert.equal((await shopOps('/app/shop/msg', { method: 'POST', body: JSON.stringify({ eventType: 'a.b', payload: {} }) })).status, 202);
    assert.equal((await shopOps('/app/other/msg')).status, 403);
    assert.equal((await shopOps('/app/no-such-app/msg')).status, 403, 'the same answer whether or not the application exists');
    assert.equal((await shopOps('/app')).status, 403);
    assert.equal((await shopOps('/app', { method: 'POST', body: JSON.stringify({ name: 'x', uid: 'x' }) })).status, 403);
    assert.equal((await shopOps('/event-type', { method: 'POST', body: JSON.stringify({ name: 'a.b', description: '' }) })).status, 403);
    assert.equal((await shopOps('/event-type')).status, 200);
    // It may not re-identify its application as a name outside its list.
    const renamed = await shopOps('/app/shop', { method: 'PATCH', body: JSON.stringify({ uid: 'other-tenant' }) });
    assert.equal(renamed.status, 403);
    assert.equal((await gw.api('/app/shop')).status, 200, 'still there under its uid');
    assert.equal((await shopOps('/app/shop', { method: 'PATCH', body: JSON.stringify({ name: 'Shop' }) })).status, 200);
    // Only admins see the audit log and grant network exceptions.
    assert.equal((await shopOps('/audit')).status, 403);
    assert.equal(
      (await shopOps('/app/shop/network-policy', { method: 'PUT', body: JSON.stringify({ allowPrivateNetworks: true }) })).status,
      403,
    );
  } finally {
    await gw.stop();
  }
});

test('failed authentication is limited per remote address; the rate limit follows the principal, not the header spelling', async () => {
  const gw = await startTestGateway(config.replace('apiRateLimit: 0', 'apiRateLimit: 4'), { logLevel: 'silent' });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const spacing = ' '.repeat(i + 1);
      const res = await fetch(`${gw.url}/api/v1/app/shop/msg`, { headers: { authorization: `Bearer${spacing}${API_TOKEN}${spacing}` } });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    assert.deepEqual(statuses.slice(0, 4), [200, 200, 200, 200]);
    assert.ok(statuses.slice(4).includes(429), `extra spaces give no fresh bucket: ${statuses.join(',')}`);

    const guesses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await fetch(`${gw.url}/api/v1/app/shop/msg`, { headers: { authorization: `Bearer guess-${i}-0123456789abcdef` } });
      guesses.push(res.status);
      await res.arrayBuffer();
    }
    assert.deepEqual(guesses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.equal(guesses[5], 429);
    const blocked = await fetch(`${gw.url}/api/v1/app/shop/msg`, { headers: { authorization: `Bearer ${VIEWER}` } });
    assert.equal(blocked.status, 429, 'a blocked address learns nothing, even with a right guess');
    assert.ok(Number(blocked.headers.get('retry-after')) >= 1);
  } finally {
    await gw.stop();
  }
});

test('portal tokens: readOnly and capabilities are enforced; a portal token never renames, re-identifies or deletes its application', async () => {
  const gw = await startTestGateway(config, { logLevel: 'silent' });
  try {
    const ep = await gw.api('/app/shop/endpoint', { method: 'POST', body: JSON.stringify({ url: 'https://example.com/hook' }) });
    const endpointId = ((await ep.json()) as { id: string }).id;
    const issue = async (body: unknown) => {
      const res = await gw.api('/auth/app-portal-access/shop', { method: 'POST', body: JSON.stringify(body) });
      assert.equal(res.status, 200);
      return as(gw.url, ((await res.json()) as { token: string }).token);
    };
    const readOnly = await issue({ readOnly: true });
    assert.equal((await readOnly('/app/shop/endpoint')).status, 200);
    assert.equal((await readOnly(`/app/shop/endpoint/${endpointId}/secret`)).status, 200);
    assert.equal(
      (await readOnly('/app/shop/endpoint', { method: 'POST', body: JSON.stringify({ url: 'https://example.com/x' }) })).status,
      403,
    );
    assert.equal(
      (await readOnly('/app/shop/msg', { method: 'POST', body: JSON.stringify({ eventType: 'a.b', payload: {} }) })).status,
      403,
    );
    assert.equal((await readOnly('/app/shop', { method: 'DELETE' })).status, 403);
    const me = (await (await readOnly('/auth/me')).json()) as { kind: string; role: string; applications: string[] };
    assert.equal(me.kind, 'portal');
    assert.equal(me.role, 'viewer');

    const viewOnly = await issue({ capabilities: ['ViewBase'] });
    assert.equal((await viewOnly(`/app/shop/endpoint/${endpointId}/secret`)).status, 403, 'ViewEndpointSecret was not granted');
    assert.equal((await viewOnly(`/app/shop/endpoint/${endpointId}/secret/rotate`, { method: 'POST', body: '{}' })).status, 403);

    const full = await issue({});
    assert.equal(
      (await full('/app/shop/endpoint', { method: 'POST', body: JSON.stringify({ url: 'https://example.com/y' }) })).status,
      201,
    );
    for (const [method, body] of [
      ['PATCH', { uid: 'next-tenant' }],
      ['PUT', { name: 'x', uid: 'next-tenant' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await full('/app/shop', { method, ...(body ? { body: JSON.stringify(body) } : {}) });
      assert.equal(res.status, 403, `${method} /app/shop`);
    }
    assert.equal((await full('/app/other/endpoint')).status, 403);
    assert.equal((await full('/auth/app-portal-access/shop', { method: 'POST', body: '{}' })).status, 403, 'no token minting for itself');
    assert.equal(((await (await gw.api('/app/shop')).json()) as { uid: string }).uid, 'shop');
    // The operator's get-or-create of the name a tenant wanted does not adopt anything.
    const adopted = await gw.api('/app?get_if_exists=true', { method: 'POST', body: JSON.stringify({ name: 'Next', uid: 'next-tenant' }) });
    assert.equal(adopted.status, 201);

    const bad = await gw.api('/auth/app-portal-access/shop', {
      method: 'POST',
      body: JSON.stringify({ capabilities: ['ViewBase', 'Everything'] }),
    });
    assert.equal(bad.status, 422);
    assert.match(((await bad.json()) as { detail: string }).detail, /Everything/);
  } finally {
    await gw.stop();
  }
});
