import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertRejected, assertStored, nowSec, startHarness, type Harness } from './harness.ts';

/**
 * Providers with no signing package of their own: each request is signed
 * here with Node's crypto exactly as the provider documents it.
 */
const hmac = (alg: 'sha1' | 'sha256', key: string, data: string, enc: 'hex' | 'base64'): string =>
  createHmac(alg, key).update(data).digest(enc);
const SECRET = 'family-secret-1';
const SQUARE_URL = 'https://hooks.example.com/in/square';

interface Case {
  source: Record<string, unknown>;
  body: string;
  contentType?: string;
  /** Headers (and possibly a rewritten body) for `body` signed with `secret` at `ts` (unix seconds). */
  sign(body: string, secret: string, ts: number): Record<string, string>;
  expected: { eventId?: string; eventType?: string; sequence?: number | null; orderingKey?: string | null };
  /** Seconds in the past that must be refused, for providers that sign a time. */
  expiredBy?: number;
}

const cases: Record<string, Case> = {
  square: {
    source: { provider: 'square', publicUrl: SQUARE_URL },
    body: JSON.stringify({
      merchant_id: 'M1',
      type: 'payment.updated',
      event_id: '6a8f5f28-54a1',
      created_at: '2024-01-02T03:04:05.678Z',
      data: { type: 'payment', id: 'KkAkhdMs' },
    }),
    sign: (body, secret) => ({ 'x-square-hmacsha256-signature': hmac('sha256', secret, SQUARE_URL + body, 'base64') }),
    expected: {
      eventId: '6a8f5f28-54a1',
      eventType: 'payment.updated',
      sequence: Date.parse('2024-01-02T03:04:05.678Z'),
      orderingKey: 'KkAkhdMs',
    },
  },
  paddle: {
    source: { provider: 'paddle' },
    body: JSON.stringify({
      event_id: 'evt_01h8',
      event_type: 'subscription.created',
      occurred_at: '2024-05-06T07:08:09.123456Z',
      data: { id: 'sub_01' },
    }),
    sign: (body, secret, ts) => ({
      'paddle-signature': `ts=${ts};h1=${hmac('sha256', 'not-ours', `${ts}:${body}`, 'hex')};h1=${hmac('sha256', secret, `${ts}:${body}`, 'hex')}`,
    }),
    expected: {
      eventId: 'evt_01h8',
      eventType: 'subscription.created',
      sequence: Date.parse('2024-05-06T07:08:09.123Z'),
      orderingKey: 'sub_01',
    },
    expiredBy: 400,
  },
  linear: {
    source: { provider: 'linear' },
    body: '',
    sign: (_body, secret, ts) => {
      const body = JSON.stringify({
        action: 'create',
        type: 'Issue',
        createdAt: '2024-02-03T04:05:06.000Z',
        webhookId: 'wh-9',
        webhookTimestamp: ts * 1000,
        data: { id: 'iss-1' },
      });
      return { 'x-body': body, 'linear-signature': hmac('sha256', secret, body, 'hex'), 'linear-delivery': `dlv-${ts}` };
    },
    expected: { eventType: 'Issue.create', sequence: Date.parse('2024-02-03T04:05:06.000Z'), orderingKey: 'iss-1' },
    expiredBy: 61,
  },
  pagerduty: {
    source: { provider: 'pagerduty' },
    body: JSON.stringify({
      event: { id: '01DEN', event_type: 'incident.triggered', occurred_at: '2020-10-02T18:45:22.169Z', data: { id: 'PGR0VU2' } },
    }),
    sign: (body, secret) => ({
      'x-webhook-id': 'pd-1',
      'x-pagerduty-signature': `v1=${hmac('sha256', 'x', body, 'hex')},v1=${hmac('sha256', secret, body, 'hex')}`,
    }),
    expected: {
      eventId: 'pd-1',
      eventType: 'incident.triggered',
      sequence: Date.parse('2020-10-02T18:45:22.169Z'),
      orderingKey: 'PGR0VU2',
    },
  },
  typeform: {
    source: { provider: 'typeform' },
    body: JSON.stringify({
      event_id: '01HTF',
      event_type: 'form_response',
      form_response: { form_id: 'lT4Z3j', token: 'a3a12ec6', submitted_at: '2024-03-01T10:00:00Z' },
    }),
    sign: (body, secret) => ({ 'typeform-signature': `sha256=${hmac('sha256', secret, body, 'base64')}` }),
    expected: { eventId: '01HTF', eventType: 'form_response', sequence: Date.parse('2024-03-01T10:00:00Z'), orderingKey: 'a3a12ec6' },
  },
  intercom: {
    source: { provider: 'intercom' },
    body: JSON.stringify({
      type: 'notification_event',
      id: 'notif_ccd8a4d0',
      topic: 'conversation.user.created',
      created_at: 1_392_731_331,
      data: { item: { id: '147' } },
    }),
    sign: (body, secret) => ({ 'x-hub-signature': `sha1=${hmac('sha1', secret, body, 'hex')}` }),
    expected: { eventId: 'notif_ccd8a4d0', eventType: 'conversation.user.created', sequence: 1_392_731_331_000, orderingKey: '147' },
  },
  gitlab: {
    source: { provider: 'gitlab' },
    body: JSON.stringify({
      object_kind: 'merge_request',
      project: { id: 15 },
      object_attributes: { iid: 3, updated_at: '2024-04-05T06:07:08Z' },
    }),
    sign: (_body, secret) => ({ 'x-gitlab-token': secret, 'x-gitlab-event': 'Merge Request Hook', 'idempotency-key': 'f0d8a7c2' }),
    expected: {
      eventId: 'f0d8a7c2',
      eventType: 'Merge Request Hook',
      sequence: Date.parse('2024-04-05T06:07:08Z'),
      orderingKey: '15:merge_request:3',
    },
  },
  woocommerce: {
    source: { provider: 'woocommerce' },
    body: JSON.stringify({ id: 727, status: 'processing', date_modified_gmt: '2024-06-07T08:09:10' }),
    sign: (body, secret) => ({
      'x-wc-webhook-signature': hmac('sha256', secret, body, 'base64'),
      'x-wc-webhook-topic': 'order.updated',
      'x-wc-webhook-resource': 'order',
      'x-wc-webhook-delivery-id': 'd-727',
    }),
    expected: { eventId: 'd-727', eventType: 'order.updated', sequence: Date.parse('2024-06-07T08:09:10Z'), orderingKey: 'order:727' },
  },
  twitch: {
    source: { provider: 'twitch' },
    body: JSON.stringify({ subscription: { id: 'f1c2', type: 'channel.follow' }, event: { broadcaster_user_id: '1337' } }),
    sign: (body, secret, ts) => {
      const stamp = new Date(ts * 1000).toISOString();
      return {
        'twitch-eventsub-message-id': 'tw-msg-1',
        'twitch-eventsub-message-timestamp': stamp,
        'twitch-eventsub-message-type': 'notification',
        'twitch-eventsub-subscription-type': 'channel.follow',
        'twitch-eventsub-message-signature': `sha256=${hmac('sha256', secret, `tw-msg-1${stamp}${body}`, 'hex')}`,
      };
    },
    expected: { eventId: 'tw-msg-1', eventType: 'channel.follow', orderingKey: '1337' },
    expiredBy: 601,
  },
  mailgun: {
    source: { provider: 'mailgun' },
    body: '',
    sign: (_body, secret, ts) => {
      const token = `tok-${ts}-${Math.random()}`;
      const body = JSON.stringify({
        signature: { timestamp: String(ts), token, signature: hmac('sha256', secret, `${ts}${token}`, 'hex') },
        'event-data': {
          id: 'CPgfbmQMTCKtHW6uIWtuVe',
          event: 'delivered',
          timestamp: 1_521_472_262.908181,
          message: { headers: { 'message-id': '2018@x.mailgun.org' } },
        },
      });
      return { 'x-body': body };
    },
    expected: { eventId: 'CPgfbmQMTCKtHW6uIWtuVe', eventType: 'delivered', sequence: 1_521_472_262_908, orderingKey: '2018@x.mailgun.org' },
    expiredBy: 400,
  },
};

/** Cases whose signature lives in the body return it as `x-body`. */
function request(c: Case, secret: string, ts = nowSec()): { body: string; headers: Record<string, string> } {
  const { 'x-body': body, ...headers } = c.sign(c.body, secret, ts);
  return { body: body ?? c.body, headers: { 'content-type': c.contentType ?? 'application/json', ...headers } };
}

describe('HMAC and token providers through the gateway', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(
      Object.fromEntries(Object.entries(cases).map(([name, c]) => [name, { ...c.source, secrets: ['rotated-out', SECRET] }])),
    );
  });
  after(() => h.stop());

  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: valid → stored with the expected fields; tampered, wrong secret${c.expiredBy ? ', expired' : ''} → 401`, async () => {
      const good = request(c, SECRET);
      await assertStored(h, await h.post(name, good.body, good.headers), c.expected);
      const fresh = request(c, SECRET);
      const tampered = fresh.body.replace(/"([a-z_]+)":"([^"]+)"/, '"$1":"$2x"');
      assert.notEqual(tampered, fresh.body);
      if (name !== 'gitlab' && name !== 'mailgun') assertRejected(await h.post(name, tampered, fresh.headers));
      const wrong = request(c, 'wrong-secret');
      assertRejected(await h.post(name, wrong.body, wrong.headers));
      if (c.expiredBy) {
        const old = request(c, SECRET, nowSec() - c.expiredBy);
        assertRejected(await h.post(name, old.body, old.headers), /too old/);
      }
    });
  }

  it('mailgun: a token seen twice is a replay', async () => {
    const once = request(cases.mailgun as Case, SECRET);
    assert.equal((await h.post('mailgun', once.body, once.headers)).status, 200);
    assertRejected(await h.post('mailgun', once.body, once.headers), /replay/);
  });

  it('woocommerce: the unsigned creation ping gets 200 and is not stored', async () => {
    const sent = await h.post('woocommerce', 'webhook_id=15', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(sent.status, 200);
    assert.deepEqual(sent.json, { ok: true });
    assertRejected(await h.post('woocommerce', 'webhook_id=15&x=1', { 'content-type': 'application/x-www-form-urlencoded' }));
  });

  it('twitch: webhook_callback_verification is answered with the raw challenge as text/plain', async () => {
    const body = JSON.stringify({ challenge: 'pogchamp-kappa-360noscope-vohiyo', subscription: { id: 'f1c2', type: 'channel.follow' } });
    const headers = request({ ...(cases.twitch as Case), body }, SECRET).headers;
    headers['twitch-eventsub-message-type'] = 'webhook_callback_verification';
    const sent = await h.post('twitch', body, headers);
    assert.equal(sent.status, 200);
    assert.equal(sent.text, 'pogchamp-kappa-360noscope-vohiyo');
    assert.match(sent.contentType ?? '', /^text\/plain/);
  });

  it('intercom: the ping topic is answered without storing', async () => {
    const body = JSON.stringify({ type: 'notification_event', topic: 'ping', id: 'n1' });
    const sent = await h.post('intercom', body, request({ ...(cases.intercom as Case), body }, SECRET).headers);
    assert.deepEqual([sent.status, sent.json], [200, { ok: true }]);
  });

  it('gitlab: a missing or wrong token is 401', async () => {
    const body = (cases.gitlab as Case).body;
    assertRejected(await h.post('gitlab', body, { 'content-type': 'application/json' }), /missing X-Gitlab-Token/);
    assertRejected(await h.post('gitlab', body, { 'content-type': 'application/json', 'x-gitlab-token': 'family-secret-2' }));
  });
});
