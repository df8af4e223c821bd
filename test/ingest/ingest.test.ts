import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { hmacHex } from '../helpers/signing.ts';

describe('ingest: dedupe, limits, invalid bodies, generic HMAC', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const receiver = new Receiver();
  before(async () => {
    await receiver.start();
    gw = await startTestGateway(`
ingest:
  maxBodySize: 4KiB
applications:
  demo:
    endpoints:
      - id: backend
        url: ${receiver.url}
        secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
sources:
  generic:
    provider: hmac
    secret: s3cr3t
    header: X-Signature
    algorithm: sha256
    encoding: hex
    prefix: "sha256="
    idempotencyKey: body:$.id
    eventType: body:$.type
    application: demo
  b64:
    provider: hmac
    secrets: [old-secret, new-secret]
    header: X-Sig
    algorithm: sha512
    encoding: base64
    idempotencyKey: header:X-Event-Id
    application: demo
  stamped:
    provider: hmac
    secret: t1mest4mp
    header: X-Sig
    algorithm: sha1
    timestampHeader: X-Timestamp
    signedContent: "{timestamp}:{body}"
    maxBodySize: 64KiB
    application: demo
`);
  });
  after(async () => {
    await gw.stop();
    await receiver.stop();
  });

  const postGeneric = (body: string, extra: Record<string, string> = {}) =>
    fetch(`${gw.url}/in/generic`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-signature': `sha256=${hmacHex('s3cr3t', body)}`, ...extra },
    });

  test('the same event twice is stored and delivered once; the second answer says duplicate', async () => {
    const body = JSON.stringify({ id: 'evt_dup_1', type: 'invoice.paid' });
    const first = await postGeneric(body);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('sluice-duplicate'), null);
    const { id } = (await first.json()) as { id: string };
    const second = await postGeneric(body);
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('sluice-duplicate'), 'true');
    assert.deepEqual(await second.json(), { id, duplicate: true });
    await receiver.waitFor(1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(receiver.requests.filter((r) => r.headers['webhook-id'] === id).length, 1);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /sluice_ingest_duplicate_total\{source="generic"\} 1/);
  });

  test('a body that claims JSON but is not is stored as invalid, answered 200 and not delivered', async () => {
    const body = '{"id": "evt_broken", "type": ';
    const res = await postGeneric(body);
    assert.equal(res.status, 200);
    const out = (await res.json()) as { id: string; state: string };
    assert.equal(out.state, 'invalid');
    const msg = (await (await gw.api(`/app/demo/msg/${out.id}`)).json()) as { state: string; error: string; payload: unknown };
    assert.equal(msg.state, 'invalid');
    assert.match(msg.error, /not valid JSON/);
    assert.equal(msg.payload, body);
    const deliveries = (await (await gw.api(`/app/demo/msg/${out.id}/endpoint`)).json()) as { data: unknown[] };
    assert.equal(deliveries.data.length, 0);
  });

  test('a body over the limit gets 413 with a JSON error, and the gateway stays healthy', async () => {
    const body = JSON.stringify({ id: 'evt_big', pad: 'x'.repeat(5000) });
    const res = await postGeneric(body);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: string }).error, 'payload_too_large');
    // Without a content-length: the limit is enforced while the body streams in.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${gw.url}/in/generic`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': 'sha256=00' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write('y'.repeat(1024));
      req.end();
    });
    assert.equal(status, 413);
    assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${gw.url}/readyz`)).status, 200);
    // A source with its own larger limit takes the same body.
    assert.notEqual((await fetch(`${gw.url}/in/stamped`, { method: 'POST', body })).status, 413);
  });

  test('unknown source → 404, other methods → 405, both with JSON errors', async () => {
    const missing = await fetch(`${gw.url}/in/nope`, { method: 'POST', body: '{}' });
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: string }).error, 'unknown_source');
    const traversal = await fetch(`${gw.url}/in/..%2F..%2Fetc%2Fpasswd`, { method: 'POST', body: '{}' });
    assert.equal(traversal.status, 404);
    const get = await fetch(`${gw.url}/in/generic`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal(((await get.json()) as { error: string }).error, 'method_not_allowed');
  });

  test('generic HMAC: sha512 base64 with two secrets and a header idempotency key', async () => {
    for (const secret of ['old-secret', 'new-secret']) {
      const body = `plain text ${secret}`;
      const sig = createHmac('sha512', secret).update(body).digest('base64');
      const res = await fetch(`${gw.url}/in/b64`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain', 'x-sig': sig, 'x-event-id': `e-${secret}` },
      });
      assert.equal(res.status, 200, secret);
    }
    const bad = await fetch(`${gw.url}/in/b64`, {
      method: 'POST',
      body: 'x',
      headers: { 'x-sig': createHmac('sha512', 'other').update('x').digest('base64') },
    });
    assert.equal(bad.status, 401);
  });

  test('generic HMAC with a timestamp: signed template, stale timestamp refused', async () => {
    const body = '{"hello":"world"}';
    const sign = (ts: number) => createHmac('sha1', 't1mest4mp').update(`${ts}:${body}`).digest('hex');
    const now = Math.floor(Date.now() / 1000);
    const ok = await fetch(`${gw.url}/in/stamped`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-timestamp': String(now), 'x-sig': sign(now) },
    });
    assert.equal(ok.status, 200);
    const old = now - 3600;
    const stale = await fetch(`${gw.url}/in/stamped`, {
      method: 'POST',
      body,
      headers: { 'x-timestamp': String(old), 'x-sig': sign(old) },
    });
    assert.equal(stale.status, 401);
    assert.match(((await stale.json()) as { reason: string }).reason, /tolerance/);
    const missing = await fetch(`${gw.url}/in/stamped`, { method: 'POST', body, headers: { 'x-sig': sign(now) } });
    assert.equal(missing.status, 401);
  });

  test('event types that the endpoint filter does not match create no delivery', async () => {
    const gw2 = await startTestGateway(`
applications:
  demo:
    endpoints:
      - id: invoices
        url: ${receiver.url}
        filterTypes: ["invoice.*"]
sources:
  generic: { provider: hmac, secret: s, header: X-S, eventType: body:$.type, application: demo }
`);
    try {
      const send = async (type: string) => {
        const body = JSON.stringify({ type });
        const res = await fetch(`${gw2.url}/in/generic`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', 'x-s': hmacHex('s', body) },
        });
        const { id } = (await res.json()) as { id: string };
        return ((await (await gw2.api(`/app/demo/msg/${id}/endpoint`)).json()) as { data: unknown[] }).data.length;
      };
      assert.equal(await send('invoice.paid'), 1);
      assert.equal(await send('invoice.payment.failed'), 1);
      assert.equal(await send('customer.created'), 0);
      await eventually(() => (receiver.requests.some((r) => r.body.toString().includes('invoice.payment.failed')) ? true : undefined));
    } finally {
      await gw2.stop();
    }
  });
});
