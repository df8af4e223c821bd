import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { hmacHex } from '../helpers/signing.ts';
import { brokerSkip, redisClient, REDIS_URL, unique } from './broker-helpers.ts';

const skip = await brokerSkip(6379, 'Redis');

describe('broker endpoints through the API: only where the operator opened the connection', { skip }, () => {
  const redis = redisClient();
  const prefix = unique('tenant-');
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const portalToken: Record<string, string> = {};
  const made: string[] = [];

  before(async () => {
    gw = await startTestGateway(`
brokers:
  shared: { type: redis, url: "${REDIS_URL}", allowApplications: [open, "${prefix}api"], destinationPrefix: "${prefix}.{app}." }
  internal: { type: redis, url: "${REDIS_URL}" }
applications:
  open: {}
  closed: {}
sources:
  open: { provider: hmac, secret: s, header: X-S, application: open, idempotencyKey: body:$.id }
`);
    for (const app of ['open', 'closed']) {
      const res = await gw.api(`/auth/app-portal-access/${app}`, {
        method: 'POST',
        body: JSON.stringify({ capabilities: ['ViewBase', 'ManageEndpoint'] }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      portalToken[app] = ((await res.json()) as { token: string }).token;
    }
  });
  after(async () => {
    await gw?.stop();
    if (made.length > 0) await redis.del(...made).catch(() => undefined);
    redis.disconnect();
  });

  const create = (app: string, url: string, token?: string) =>
    token
      ? fetch(`${gw.url}/api/v1/app/${app}/endpoint`, {
          method: 'POST',
          body: JSON.stringify({ url }),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        })
      : gw.api(`/app/${app}/endpoint`, { method: 'POST', body: JSON.stringify({ url }) });

  test('refused: a closed connection, an unknown one (same answer), another application, outside the prefix, a wrong type', async () => {
    const cases: Array<[string, string, string | undefined, RegExp]> = [
      [
        'closed',
        `redis://shared/${prefix}.closed.x`,
        undefined,
        /connection "shared" is not open to this application \(.*brokers\.shared\.allowApplications\)/,
      ],
      ['open', 'redis://internal/anything', undefined, /connection "internal" is not open to this application/],
      ['open', 'redis://nope/anything', undefined, /connection "nope" is not open to this application/],
      ['closed', `redis://shared/${prefix}.closed.x`, 'closed', /not open to this application/],
      ['open', `redis://shared/${prefix}.closed.x`, 'open', new RegExp(`must publish below "${prefix}\\.open\\."`)],
      ['open', `rabbitmq://shared/${prefix}.open.x`, undefined, /"shared" is a redis connection, not rabbitmq/],
      ['open', 'redis://shared/', undefined, /names no stream/],
    ];
    for (const [app, url, portal, want] of cases) {
      const res = await create(app, url, portal ? portalToken[portal] : undefined);
      const body = (await res.json()) as { detail: string };
      assert.equal(res.status, 422, `${app} ${url}: ${body.detail}`);
      assert.match(body.detail, want, `${app} ${url}`);
    }
    const list = (await (await gw.api('/app/closed/endpoint')).json()) as { data: unknown[] };
    assert.equal(list.data.length, 0, 'nothing half-made');
  });

  test('allowed: an operator token and a tenant portal token make a broker endpoint below the prefix, and it delivers', async () => {
    const stream = `${prefix}.open.events`;
    made.push(stream, `${prefix}.open.portal`);
    const viaAdmin = await create('open', `redis://shared/${stream}`);
    assert.equal(viaAdmin.status, 201, await viaAdmin.clone().text());
    assert.equal(((await viaAdmin.json()) as { type: string }).type, 'redis');
    const viaPortal = await create('open', `redis://shared/${prefix}.open.portal`, portalToken.open);
    assert.equal(viaPortal.status, 201, await viaPortal.clone().text());

    const body = JSON.stringify({ id: unique('evt-'), hello: 'broker' });
    const res = await fetch(`${gw.url}/in/open`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-s': hmacHex('s', body) },
    });
    assert.equal(res.status, 200);
    for (const key of [stream, `${prefix}.open.portal`]) {
      const entries = await eventually(
        async () => {
          const e = await redis.xrange(key, '-', '+');
          return e.length > 0 ? e : undefined;
        },
        15_000,
        `the entry in ${key}`,
      );
      assert.equal(entries.length, 1);
      assert.ok(entries[0]![1].includes(body));
    }
  });

  test('an application made through the API is open only when named; "*" would open every one', async () => {
    const created = await gw.api('/app', { method: 'POST', body: JSON.stringify({ name: 'API app', uid: `${prefix}api` }) });
    assert.equal(created.status, 201, await created.clone().text());
    const ok = await create(`${prefix}api`, `redis://shared/${prefix}.${prefix}api.x`);
    assert.equal(ok.status, 201, await ok.clone().text());
    made.push(`${prefix}.${prefix}api.x`);
    const other = await gw.api('/app', { method: 'POST', body: JSON.stringify({ name: 'Other', uid: `${prefix}other` }) });
    assert.equal(other.status, 201);
    assert.equal((await create(`${prefix}other`, `redis://shared/${prefix}.${prefix}other.x`)).status, 422);
  });
});
