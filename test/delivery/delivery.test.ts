import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver, type Responder } from '../helpers/receiver.ts';
import { hmacHex } from '../helpers/signing.ts';

const ENDPOINT_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

interface DeliveryOut {
  state: string;
  attempts: number;
  lastStatus: number | null;
}
interface AttemptOut {
  responseStatusCode: number;
  status: number;
  triggerType: number;
  response: string;
  error: string | null;
}

/** One gateway + one receiver per scenario, with a short retry schedule. */
async function scenario(responder: Responder, endpointExtra = '') {
  const receiver = await new Receiver(responder).start();
  const gw = await startTestGateway(`
delivery:
  retry: [100ms, 100ms]
applications:
  demo:
    endpoints:
      - id: backend
        url: ${receiver.url}
        secret: ${ENDPOINT_SECRET}
        timeout: 1s
${endpointExtra}
sources:
  generic: { provider: hmac, secret: s, header: X-S, eventType: body:$.type, idempotencyKey: body:$.id, application: demo, forwardHeaders: [X-Provider-Delivery] }
`);
  let n = 0;
  const send = async (payload: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    const body = JSON.stringify({ id: `evt_${++n}`, type: 'invoice.paid', ...payload });
    const res = await fetch(`${gw.url}/in/generic`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-s': hmacHex('s', body), ...headers },
    });
    assert.equal(res.status, 200);
    return { id: ((await res.json()) as { id: string }).id, body };
  };
  const delivery = async (msgId: string) =>
    ((await (await gw.api(`/app/demo/msg/${msgId}/endpoint`)).json()) as { data: DeliveryOut[] }).data[0] as DeliveryOut;
  const attempts = async (msgId: string) =>
    ((await (await gw.api(`/app/demo/attempt/msg/${msgId}`)).json()) as { data: AttemptOut[] }).data;
  const waitState = (msgId: string, state: string) =>
    eventually(async () => ((await delivery(msgId))?.state === state ? delivery(msgId) : undefined), 10_000, `delivery ${state}`);
  return {
    receiver,
    gw,
    send,
    delivery,
    attempts,
    waitState,
    stop: async () => {
      await gw.stop();
      await receiver.stop();
    },
  };
}

describe('delivery', () => {
  test('signed with Standard Webhooks: the receiver verifies with standardwebhooks, gets the original bytes and forwarded headers', async () => {
    const s = await scenario(() => ({ status: 200 }));
    try {
      const { id, body } = await s.send({ amount: 42 }, { 'x-provider-delivery': 'd-123', 'x-unlisted': 'no' });
      await s.receiver.waitFor(1);
      const req = s.receiver.requests[0]!;
      assert.equal(req.body.toString(), body, 'bytes must be the original ones');
      assert.equal(req.headers['webhook-id'], id);
      assert.equal(req.headers['content-type'], 'application/json');
      assert.match(String(req.headers['user-agent']), /^Sluice\/\d+\.\d+\.\d+/);
      assert.equal(req.headers['x-provider-delivery'], 'd-123', "named in the source's forwardHeaders");
      assert.equal(req.headers['x-unlisted'], undefined, 'forwarded only by the allow-list');
      assert.equal(req.headers['x-s'], hmacHex('s', body), "the provider's signature header is forwarded");
      const verified = new Webhook(ENDPOINT_SECRET).verify(req.body, req.headers as Record<string, string>);
      assert.deepEqual(verified, JSON.parse(body));
      assert.throws(() => new Webhook('whsec_d3Jvbmcgd3Jvbmcgd3Jvbmcgd3Jvbmch').verify(req.body, req.headers as Record<string, string>));
      const d = await s.waitState(id, 'succeeded');
      assert.equal(d.attempts, 1);
      const [attempt] = await s.attempts(id);
      assert.equal(attempt?.responseStatusCode, 200);
      assert.equal(attempt?.triggerType, 0);
    } finally {
      await s.stop();
    }
  });

  test('fails twice, then 200: delivered on attempt 3 with the same webhook-id every time', async () => {
    const s = await scenario((_r, n) => (n <= 2 ? { status: 500, body: `boom ${n}` } : { status: 200 }));
    try {
      const { id } = await s.send();
      const d = await s.waitState(id, 'succeeded');
      assert.equal(d.attempts, 3);
      assert.equal(s.receiver.requests.length, 3);
      assert.deepEqual(new Set(s.receiver.requests.map((r) => r.headers['webhook-id'])), new Set([id]));
      const attempts = await s.attempts(id);
      assert.deepEqual(attempts.map((a) => a.responseStatusCode).sort(), [200, 500, 500]);
      assert.ok(attempts.some((a) => a.response === 'boom 1'));
      const [first, second, third] = s.receiver.requests.map((r) => r.at);
      assert.ok(second! - first! >= 75, 'the retry waited for the schedule (100ms - 20% jitter)');
      assert.ok(third! - second! >= 75);
    } finally {
      await s.stop();
    }
  });

  test('always 500: dead after the schedule is spent, visible through the API, and a manual retry is one more attempt', async () => {
    const s = await scenario(() => ({ status: 500 }));
    try {
      const { id } = await s.send();
      const dead = await s.waitState(id, 'dead');
      assert.equal(dead.attempts, 3, 'one attempt + two retries');
      assert.equal(dead.lastStatus, 500);
      const metrics = await (await fetch(`${s.gw.url}/metrics`)).text();
      assert.match(metrics, /sluice_delivery_attempts_total\{endpoint="backend",outcome="dead"\} 1/);
      assert.match(metrics, /sluice_delivery_attempts_total\{endpoint="backend",outcome="retry"\} 2/);

      s.receiver.respond(() => ({ status: 204 }));
      const res = await s.gw.api(`/app/demo/msg/${id}/endpoint/backend/resend`, { method: 'POST' });
      assert.equal(res.status, 202);
      const done = await s.waitState(id, 'succeeded');
      assert.equal(done.attempts, 4);
      const attempts = await s.attempts(id);
      assert.equal(attempts[0]?.triggerType, 1, 'the newest attempt is the manual one');
    } finally {
      await s.stop();
    }
  });

  test('410 Gone disables the endpoint: nothing more is sent to it', async () => {
    const s = await scenario(() => ({ status: 410 }));
    try {
      const { id } = await s.send();
      await s.waitState(id, 'dead');
      const second = await s.send();
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(s.receiver.requests.length, 1);
      assert.equal(await s.delivery(second.id), undefined, 'a disabled endpoint gets no new deliveries');
      const metrics = await (await fetch(`${s.gw.url}/metrics`)).text();
      assert.match(metrics, /outcome="disabled"\} 1/);
    } finally {
      await s.stop();
    }
  });

  test('Retry-After delays the next attempt beyond the schedule', async () => {
    const s = await scenario((_r, n) => (n === 1 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 }));
    try {
      const { id } = await s.send();
      await s.waitState(id, 'succeeded');
      const [first, second] = s.receiver.requests.map((r) => r.at);
      assert.ok(second! - first! >= 900, `waited ${second! - first!} ms for Retry-After: 1`);
    } finally {
      await s.stop();
    }
  });

  test('a receiver slower than the timeout is a failed attempt with the reason recorded', async () => {
    const s = await scenario((_r, n) => (n === 1 ? { status: 200, delayMs: 1500 } : { status: 200 }));
    try {
      const { id } = await s.send();
      const d = await s.waitState(id, 'succeeded');
      assert.equal(d.attempts, 2);
      const attempts = await s.attempts(id);
      const failed = attempts.find((a) => a.status !== 0);
      assert.match(String(failed?.error), /timed out after 1000 ms/);
      assert.equal(failed?.responseStatusCode, 0);
    } finally {
      await s.stop();
    }
  });

  test('a refused connection is a failed attempt and the delivery carries on', async () => {
    const receiver = await new Receiver().start();
    const url = receiver.url;
    await receiver.stop();
    const gw = await startTestGateway(`
delivery: { retry: [100ms] }
applications:
  demo:
    endpoints: [{ id: gone, url: "${url}" }]
sources:
  generic: { provider: hmac, secret: s, header: X-S, application: demo }
`);
    try {
      const body = '{"a":1}';
      const res = await fetch(`${gw.url}/in/generic`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-s': hmacHex('s', body) },
      });
      const { id } = (await res.json()) as { id: string };
      const attempts = await eventually(async () => {
        const list = ((await (await gw.api(`/app/demo/attempt/msg/${id}`)).json()) as { data: AttemptOut[] }).data;
        return list.length === 2 ? list : undefined;
      });
      assert.ok(attempts.every((a) => a.error === 'connection refused'));
    } finally {
      await gw.stop();
    }
  });
});
