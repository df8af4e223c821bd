import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { hmacHex } from '../helpers/signing.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const RESHAPE = `(webhook) => {
  if (webhook.payload.test) { webhook.cancel = 'test traffic is not delivered'; return webhook; }
  webhook.payload = { kind: webhook.eventType, invoice: webhook.payload.id, cents: webhook.payload.amount * 100 };
  webhook.headers['x-shaped'] = 'yes';
  webhook.url = webhook.url + '/v2';
  return webhook;
}`;

interface DeliveryOut {
  state: string;
  skipReason: string | null;
}
interface AttemptOut {
  error: string | null;
  url: string;
  response: string;
}

describe('transformations', () => {
  let receiver: Receiver;
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let n = 0;
  const send = async (source: string, payload: Record<string, unknown>) => {
    const body = JSON.stringify({ id: `evt_${++n}`, type: 'invoice.paid', ...payload });
    const res = await fetch(`${gw.url}/in/${source}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-s': hmacHex('s', body) },
    });
    assert.equal(res.status, 200);
    return (await res.json()) as { id: string; cancelled?: boolean; reason?: string; state?: string };
  };
  const delivery = async (app: string, msgId: string) =>
    ((await (await gw.api(`/app/${app}/msg/${msgId}/endpoint`)).json()) as { data: DeliveryOut[] }).data[0];
  const attempts = async (app: string, msgId: string) =>
    ((await (await gw.api(`/app/${app}/attempt/msg/${msgId}`)).json()) as { data: AttemptOut[] }).data;

  before(async () => {
    receiver = await new Receiver(() => ({ status: 200 })).start();
    gw = await startTestGateway(`
delivery:
  retry: [100ms]
applications:
  shaped:
    endpoints:
      - id: backend
        url: ${receiver.url}
        secret: ${SECRET}
        transformation: |
${RESHAPE.split('\n')
  .map((l) => `          ${l}`)
  .join('\n')}
  spinning:
    endpoints:
      - id: backend
        url: ${receiver.url}
        secret: ${SECRET}
        transformation: "(w) => { for (;;) {} }"
  plain:
    endpoints:
      - id: backend
        url: ${receiver.url}
        secret: ${SECRET}
sources:
  shop: { provider: hmac, secret: s, header: X-S, eventType: body:$.type, idempotencyKey: body:$.id, application: shaped }
  loops: { provider: hmac, secret: s, header: X-S, eventType: body:$.type, idempotencyKey: body:$.id, application: spinning }
  inbound:
    provider: hmac
    secret: s
    header: X-S
    eventType: body:$.type
    idempotencyKey: body:$.id
    application: plain
    transformation: "(w) => { if (w.payload.drop) w.cancel = 'dropped at the door'; else { w.payload = { wrapped: w.payload }; w.eventType = 'wrapped.' + w.eventType; } return w }"
`);
  });
  after(async () => {
    await gw?.stop();
    await receiver?.stop();
  });

  test('an endpoint transformation reshapes the payload, moves the path, and the signature is over the bytes sent', async () => {
    const before = receiver.requests.length;
    const { id } = await send('shop', { amount: 12 });
    await receiver.waitFor(before + 1);
    const req = receiver.requests[before]!;
    assert.deepEqual(JSON.parse(req.body.toString()), { kind: 'invoice.paid', invoice: `evt_${n}`, cents: 1200 });
    assert.equal(req.headers['x-shaped'], 'yes');
    const verified = new Webhook(SECRET).verify(req.body.toString(), {
      'webhook-id': req.headers['webhook-id'] as string,
      'webhook-timestamp': req.headers['webhook-timestamp'] as string,
      'webhook-signature': req.headers['webhook-signature'] as string,
    });
    assert.deepEqual(verified, { kind: 'invoice.paid', invoice: `evt_${n}`, cents: 1200 });
    assert.equal(req.headers['webhook-id'], id);
    const [attempt] = await eventually(async () => ((await attempts('shaped', id)).length > 0 ? attempts('shaped', id) : undefined));
    assert.equal(attempt?.url, `${receiver.url}/v2`);
  });

  test('a cancelled delivery is recorded skipped with the reason, and nothing is sent', async () => {
    const before = receiver.requests.length;
    const { id } = await send('shop', { amount: 1, test: true });
    const d = await eventually(
      async () => ((await delivery('shaped', id))?.state === 'skipped' ? delivery('shaped', id) : undefined),
      10_000,
      'skipped',
    );
    assert.equal(d?.skipReason, 'cancelled');
    const [attempt] = await attempts('shaped', id);
    assert.equal(attempt?.error, 'cancelled by the transformation: test traffic is not delivered');
    assert.equal(receiver.requests.length, before);
  });

  test('an endless transformation fails that delivery at its CPU limit; the gateway keeps delivering', async () => {
    const { id } = await send('loops', {});
    const failed = await eventually(
      async () => {
        const list = await attempts('spinning', id);
        return list.length > 0 ? list : undefined;
      },
      10_000,
      'a failed attempt',
    );
    assert.match(failed[0]?.error ?? '', /^transformation failed: the transformation ran past its CPU time limit/);
    const health = await fetch(`${gw.url}/healthz`);
    assert.equal(health.status, 200);
    const before = receiver.requests.length;
    await send('shop', { amount: 3 });
    await receiver.waitFor(before + 1);
    await eventually(
      async () => ((await delivery('spinning', id))?.state === 'dead' ? true : undefined),
      10_000,
      'dead after the schedule',
    );
  });

  test('a source transformation reshapes at ingest, before fan-out; a cancelled message is not stored', async () => {
    const before = receiver.requests.length;
    const { id } = await send('inbound', { amount: 5 });
    await receiver.waitFor(before + 1);
    const got = JSON.parse(receiver.requests[before]!.body.toString());
    assert.deepEqual(got, { wrapped: { id: `evt_${n}`, type: 'invoice.paid', amount: 5 } });
    const message = (await (await gw.api(`/app/plain/msg/${id}`)).json()) as { eventType: string };
    assert.equal(message.eventType, 'wrapped.invoice.paid');
    const dropped = await send('inbound', { drop: true });
    assert.deepEqual(dropped, { cancelled: true, reason: 'dropped at the door' });
  });

  test('set, read and test through the API', async () => {
    const path = '/app/plain/endpoint/backend/transformation';
    assert.deepEqual(await (await gw.api(path)).json(), {
      code: null,
      enabled: false,
      updatedAt: ((await (await gw.api(path)).json()) as { updatedAt: string }).updatedAt,
    });
    const set = await gw.api(path, { method: 'PATCH', body: JSON.stringify({ code: '(w) => { w.headers["x-api"] = "1"; return w }' }) });
    assert.equal(set.status, 204);
    const read = (await (await gw.api(path)).json()) as { code: string; enabled: boolean };
    assert.equal(read.enabled, true);
    assert.match(read.code, /x-api/);

    const test1 = await gw.api(`${path}/test`, { method: 'POST', body: JSON.stringify({ payload: { a: 1 }, eventType: 'x.y' }) });
    assert.equal(test1.status, 200);
    const out = (await test1.json()) as { ok: boolean; webhook: { headers: Record<string, string>; payload: unknown; url: string } };
    assert.equal(out.ok, true);
    assert.equal(out.webhook.headers['x-api'], '1');
    assert.deepEqual(out.webhook.payload, { a: 1 });
    assert.equal(out.webhook.url, receiver.url);

    const bomb = await gw.api(`${path}/test`, {
      method: 'POST',
      body: JSON.stringify({ code: '(w) => { const a = []; for (;;) a.push(new Array(1e5).fill(1.5)) }', payload: {} }),
    });
    assert.deepEqual(await bomb.json(), { ok: false, error: 'the transformation exceeded its memory limit (out of memory)' });
    const away = await gw.api(`${path}/test`, {
      method: 'POST',
      body: JSON.stringify({ code: '(w) => { w.url = "http://169.254.169.254/latest"; return w }', payload: {} }),
    });
    assert.match(((await away.json()) as { error: string }).error, /webhook\.url must stay on http:\/\/127\.0\.0\.1:\d+/);
    const cancel = await gw.api(`${path}/test`, {
      method: 'POST',
      body: JSON.stringify({ code: '(w) => ({ ...w, cancel: true })', payload: {} }),
    });
    assert.deepEqual(await cancel.json(), { ok: true, cancelled: true, reason: 'cancelled by the transformation' });

    const missing = await gw.api(`${path}/test`, { method: 'POST', body: JSON.stringify({ code: '(w) => w' }) });
    assert.equal(missing.status, 422);
    assert.match(((await missing.json()) as { detail: string }).detail, /payload/);
    assert.equal((await gw.api('/app/plain/endpoint/nope/transformation')).status, 404);
    const badPatch = await gw.api(path, { method: 'PATCH', body: JSON.stringify({ code: '' }) });
    assert.equal(badPatch.status, 422);

    const disable = await gw.api(path, { method: 'PATCH', body: JSON.stringify({ enabled: false }) });
    assert.equal(disable.status, 204);
    assert.equal(((await (await gw.api(path)).json()) as { enabled: boolean }).enabled, false);
    assert.equal((await gw.api(path, { method: 'PATCH', body: JSON.stringify({ code: null }) })).status, 204);
    assert.equal(((await (await gw.api(path)).json()) as { code: string | null }).code, null);
  });

  test('a source transformation through the API wins over the YAML one', async () => {
    const path = '/source/inbound/transformation';
    const yaml = (await (await gw.api(path)).json()) as { origin: string; code: string };
    assert.equal(yaml.origin, 'config');
    const tested = await gw.api(`${path}/test`, { method: 'POST', body: JSON.stringify({ payload: { drop: true } }) });
    assert.deepEqual(await tested.json(), { ok: true, cancelled: true, reason: 'dropped at the door' });
    assert.equal(
      (await gw.api(path, { method: 'PATCH', body: JSON.stringify({ code: '(w) => { w.payload = { api: true }; return w }' }) })).status,
      204,
    );
    assert.equal(((await (await gw.api(path)).json()) as { origin: string }).origin, 'api');
    // Ingest trusts its look-up for a second; the next message after that uses the API's.
    await new Promise((r) => setTimeout(r, 1100));
    const before = receiver.requests.length;
    await send('inbound', { amount: 1 });
    await receiver.waitFor(before + 1);
    assert.deepEqual(JSON.parse(receiver.requests[before]!.body.toString()), { api: true });
    assert.equal((await gw.api('/source/nope/transformation')).status, 404);
  });
});
