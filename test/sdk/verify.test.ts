import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import Stripe from 'stripe';
import { Webhook } from 'svix';
import { signatureHeaders } from '../../src/signing/standard-webhooks.ts';
import { createVerifier, verifySluice, verifyWebhook, WebhookVerificationError } from '../../src/sdk/verify.ts';

const stripe = new Stripe('sk_test_unused');
const SECRET = 'whsec_sdk_secret';
const payload = JSON.stringify({ id: 'evt_sdk', type: 'customer.created', created: 1_700_000_000, data: { object: { id: 'cus_1' } } });
const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof WebhookVerificationError, String(err));
    return err.code;
  }
  return 'no error';
};

describe('verifyWebhook', () => {
  it('returns id, type, time and ordering key for a stripe-signed body', () => {
    const headers = {
      'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }),
      'Content-Type': 'application/json',
    };
    const hook = verifyWebhook('stripe', { rawBody: payload, headers }, { secrets: SECRET });
    assert.equal(hook.id, 'evt_sdk');
    assert.equal(hook.type, 'customer.created');
    assert.equal(hook.time?.toISOString(), '2023-11-14T22:13:20.000Z');
    assert.equal(hook.orderingKey, 'cus_1');
    assert.deepEqual(hook.payload, JSON.parse(payload));
    assert.equal(hook.handshake, undefined);
    assert.equal(hook.events.length, 1);
  });

  it('throws typed errors saying why', () => {
    const headers = {
      'stripe-signature': stripe.webhooks.generateTestHeaderString({
        payload,
        secret: SECRET,
        timestamp: Math.floor(Date.now() / 1000) - 120,
      }),
    };
    assert.equal(
      code(() => verifyWebhook('stripe', { rawBody: payload.replace('cus_1', 'cus_2'), headers }, { secrets: [SECRET] })),
      'signature_invalid',
    );
    assert.equal(
      code(() => verifyWebhook('stripe', { rawBody: payload, headers }, { secrets: [SECRET], tolerance: '1m' })),
      'signature_invalid',
    );
    assert.equal(verifyWebhook('stripe', { rawBody: payload, headers }, { secrets: [SECRET], tolerance: 180_000 }).id, 'evt_sdk');
    assert.equal(
      code(() => verifyWebhook('strype', { rawBody: payload, headers }, { secrets: [SECRET] })),
      'unknown_provider',
    );
    assert.equal(
      code(() => verifyWebhook('token', { rawBody: payload, headers }, { secrets: ['x'] })),
      'invalid_options',
    );
    assert.equal(
      code(() => verifyWebhook('stripe', { rawBody: payload, headers }, { secrets: [SECRET], options: { nope: 1 } })),
      'invalid_options',
    );
    assert.equal(
      code(() => verifyWebhook('twilio', { rawBody: 'a=b', headers }, { secrets: ['t'] })),
      'missing_url',
    );
    try {
      verifyWebhook('stripe', { rawBody: payload, headers: {} }, { secrets: [SECRET] });
    } catch (err) {
      assert.match((err as Error).message, /missing Stripe-Signature/);
      assert.equal((err as WebhookVerificationError).status, 401);
    }
  });

  it('returns handshakes to send back as they are', () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'c-1' });
    const ts = Math.floor(Date.now() / 1000);
    const headers = {
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': `v0=${createHmac('sha256', 's').update(`v0:${ts}:${body}`).digest('hex')}`,
      'content-type': 'application/json',
    };
    const verifier = createVerifier('slack', { secrets: ['s'] });
    const hook = verifier.verify({ rawBody: Buffer.from(body), headers });
    assert.deepEqual(hook.handshake, { status: 200, contentType: 'application/json', body: '{"challenge":"c-1"}' });
    assert.deepEqual(hook.events, []);
  });
});

describe('verifySluice', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = Buffer.from('{"type":"invoice.paid","amount":5}');

  it('accepts what the deliverer signs and what svix signs', () => {
    const ts = Math.floor(Date.now() / 1000);
    const ours = verifySluice(
      { rawBody: body, headers: { ...signatureHeaders([secret], 'msg_1', ts, body), 'content-type': 'application/json' } },
      { secrets: [secret] },
    );
    assert.deepEqual([ours.id, ours.type, ours.timestamp.getTime()], ['msg_1', 'invoice.paid', ts * 1000]);
    const now = new Date();
    const svixSig = new Webhook(secret).sign('msg_2', now, body);
    const theirs = verifySluice(
      {
        rawBody: body,
        headers: new Headers({
          'webhook-id': 'msg_2',
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': svixSig,
        }),
      },
      { secrets: ['whsec_AAAAAAAAAAAAAAAAAAAAAAAA', secret] },
    );
    assert.equal(theirs.id, 'msg_2');
  });

  it('refuses tampered bodies and old timestamps', () => {
    const ts = Math.floor(Date.now() / 1000);
    const headers = signatureHeaders([secret], 'msg_3', ts, body);
    assert.equal(
      code(() => verifySluice({ rawBody: Buffer.from('{"type":"x"}'), headers }, { secrets: secret })),
      'signature_invalid',
    );
    const old = signatureHeaders([secret], 'msg_4', ts - 600, body);
    assert.equal(
      code(() => verifySluice({ rawBody: body, headers: old }, { secrets: secret })),
      'signature_invalid',
    );
  });
});
