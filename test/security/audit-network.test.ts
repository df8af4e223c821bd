import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';

const VIEWER = 'audit-viewer-token-0123';
const OPERATOR = 'audit-operator-token-4567';

test('audit log: every mutating call, by whom, on what, from where; admins only', async () => {
  const gw = await startTestGateway(
    `
auth:
  tokens:
    - { name: dash, token: ${VIEWER}, role: viewer }
applications:
  shop: {}
`,
    { logLevel: 'silent' },
  );
  try {
    const ep = (await (
      await gw.api('/app/shop/endpoint', { method: 'POST', body: JSON.stringify({ url: 'https://example.com/a' }) })
    ).json()) as { id: string };
    await gw.api(`/app/shop/endpoint/${ep.id}`, { method: 'PATCH', body: JSON.stringify({ description: 'x' }) });
    const portal = (
      (await (await gw.api('/auth/app-portal-access/shop', { method: 'POST', body: JSON.stringify({ readOnly: true }) })).json()) as {
        token: string;
      }
    ).token;
    const refused = await fetch(`${gw.url}/api/v1/app/shop`, { method: 'DELETE', headers: { authorization: `Bearer ${portal}` } });
    assert.equal(refused.status, 403);
    await gw.api('/app/shop/msg'); // reads are not audited

    const res = await gw.api('/audit');
    assert.equal(res.status, 200);
    const page = (await res.json()) as {
      data: Array<{
        principal: { kind: string; name: string };
        action: string;
        object: string | null;
        status: number;
        remoteAddr: string;
        timestamp: string;
      }>;
    };
    const actions = page.data.map((e) => `${e.principal.kind}:${e.principal.name} ${e.action} ${e.status}`);
    assert.deepEqual(actions.slice(0, 4), [
      `portal:${page.data[0]?.principal.name} DELETE /app/:app_id 403`,
      'token:default POST /auth/app-portal-access/:app_id 200',
      'token:default PATCH /app/:app_id/endpoint/:endpoint_id 200',
      'token:default POST /app/:app_id/endpoint 201',
    ]);
    assert.equal(page.data[2]?.object, `app_id=shop endpoint_id=${ep.id}`);
    assert.equal(page.data[0]?.remoteAddr, '127.0.0.1');
    assert.ok(Date.parse(page.data[0]?.timestamp ?? '') > Date.now() - 60_000);
    assert.equal(((await (await gw.api('/audit?principal=default')).json()) as { data: unknown[] }).data.length, 3);
    assert.equal((await fetch(`${gw.url}/api/v1/audit`, { headers: { authorization: `Bearer ${VIEWER}` } })).status, 403);
    assert.equal((await fetch(`${gw.url}/api/v1/audit`, { headers: { authorization: `Bearer ${portal}` } })).status, 403);
  } finally {
    await gw.stop();
  }
});

test('audit log: a console action is recorded under the session of the token that signed in', async () => {
  const gw = await startTestGateway(
    `
auth:
  tokens:
    - { name: ops-desk, token: ${OPERATOR}, role: operator }
applications:
  shop: {}
`,
    { logLevel: 'silent' },
  );
  try {
    const signIn = await fetch(`${gw.url}/api/v1/auth/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: gw.url },
      body: JSON.stringify({ token: OPERATOR }),
    });
    assert.equal(signIn.status, 201);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const made = await fetch(`${gw.url}/api/v1/app/shop/endpoint`, {
      method: 'POST',
      headers: { cookie, origin: gw.url, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/from-console' }),
    });
    assert.equal(made.status, 201);
    const ep = (await made.json()) as { id: string };
    const entries = (
      (await (await gw.api('/audit?principal=ops-desk')).json()) as {
        data: Array<{ principal: { kind: string; name: string }; action: string; object: string | null; status: number }>;
      }
    ).data;
    const made201 = entries.find((e) => e.action === 'POST /app/:app_id/endpoint');
    assert.ok(made201, `the console's endpoint create is in the audit log: ${JSON.stringify(entries)}`);
    assert.equal(made201.principal.kind, 'session');
    assert.equal(made201.principal.name, 'ops-desk');
    assert.equal(made201.status, 201);
    assert.equal(made201.object, 'app_id=shop');
    assert.ok(ep.id.startsWith('ep_'));
  } finally {
    await gw.stop();
  }
});

test("private networks are per application: a tenant never inherits the operator's exception; admins grant one through the API", async () => {
  const receiver = await new Receiver().start();
  const gw = await startTestGateway(`
allowPrivateNetworks: true
applications:
  internal:
    endpoints:
      - { id: own, url: "${receiver.url}" }
  locked:
    allowPrivateNetworks: false
    endpoints:
      - { id: own, url: "${receiver.url}" }
`);
  try {
    assert.ok(
      gw.logs.lines.some((l) => l.includes('applications.locked.endpoints[0].url')),
      'start-up names the YAML endpoint its own policy refuses',
    );
    const send = (app: string) =>
      gw.api(`/app/${app}/msg`, { method: 'POST', body: JSON.stringify({ eventType: 'a.b', payload: { app } }) });
    assert.equal((await send('internal')).status, 202);
    await receiver.waitFor(1);
    assert.equal(
      JSON.parse(receiver.requests[0]?.body.toString() ?? '{}').app,
      'internal',
      'the YAML application keeps the global exception',
    );

    // The YAML application with its own "false": refused at connect time.
    const locked = (await (await send('locked')).json()) as { id: string };
    const attempt = await eventually(
      async () => {
        const page = (await (await gw.api(`/app/locked/attempt/msg/${locked.id}`)).json()) as { data: Array<{ error: string | null }> };
        return page.data[0];
      },
      15_000,
      'the refused attempt',
    );
    assert.match(attempt.error ?? '', /SSRF/);

    // A tenant made through the API: no exception inherited.
    assert.equal((await gw.api('/app', { method: 'POST', body: JSON.stringify({ name: 'Tenant', uid: 'tenant' }) })).status, 201);
    const refused = await gw.api('/app/tenant/endpoint', { method: 'POST', body: JSON.stringify({ url: receiver.url }) });
    assert.equal(refused.status, 422);
    assert.match(((await refused.json()) as { detail: string }).detail, /loopback/);
    assert.deepEqual(await (await gw.api('/app/tenant/network-policy')).json(), { allowPrivateNetworks: false, source: 'none' });

    const portal = ((await (await gw.api('/auth/app-portal-access/tenant', { method: 'POST', body: '{}' })).json()) as { token: string })
      .token;
    const self = await fetch(`${gw.url}/api/v1/app/tenant/network-policy`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${portal}`, 'content-type': 'application/json' },
      body: JSON.stringify({ allowPrivateNetworks: true }),
    });
    assert.equal(self.status, 403, 'a tenant cannot grant itself one');
    const badCidr = await gw.api('/app/tenant/network-policy', {
      method: 'PUT',
      body: JSON.stringify({ allowPrivateNetworks: ['10.0.0.0/99'] }),
    });
    assert.equal(badCidr.status, 422);

    const granted = await gw.api('/app/tenant/network-policy', {
      method: 'PUT',
      body: JSON.stringify({ allowPrivateNetworks: ['127.0.0.0/8'] }),
    });
    assert.deepEqual(await granted.json(), { allowPrivateNetworks: ['127.0.0.0/8'], source: 'api' });
    assert.equal((await gw.api('/app/tenant/endpoint', { method: 'POST', body: JSON.stringify({ url: receiver.url }) })).status, 201);
    assert.equal((await send('tenant')).status, 202);
    await receiver.waitFor(2);
    assert.ok(receiver.requests.some((r) => JSON.parse(r.body.toString()).app === 'tenant'));
  } finally {
    await gw.stop();
    await receiver.stop();
  }
});
