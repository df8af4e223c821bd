import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { assertRejected, assertStored, startHarness, type Harness } from './harness.ts';

const TOKEN = '12345678901234567890123456789012';
const params = { MessageSid: 'SM1234', MessageStatus: 'delivered', To: '+15551230000', From: '+15559870000', Body: 'hi & bye' };
const form = new URLSearchParams(params).toString();
const PUBLIC = 'https://hooks.example.com/in/tw';

describe('twilio through the gateway', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      tw: { provider: 'twilio', secret: TOKEN, publicUrl: PUBLIC },
      json: { provider: 'twilio', secret: TOKEN, publicUrl: 'https://hooks.example.com/in/json' },
      direct: { provider: 'twilio', secret: TOKEN },
    });
  });
  after(() => h.stop());

  it('accepts getExpectedTwilioSignature over publicUrl + sorted params, keyed by sid and status', async () => {
    const signature = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}?site=1`, params);
    const sent = await h.post(
      'tw',
      form,
      { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      '?site=1',
    );
    await assertStored(h, sent, { eventId: 'SM1234:delivered', eventType: 'message.delivered', orderingKey: 'SM1234' });
  });

  it('accepts the URL signed with the default port, and prefers I-Twilio-Idempotency-Token', async () => {
    const signature = twilio.getExpectedTwilioSignature(TOKEN, 'https://hooks.example.com:443/in/tw', params);
    const sent = await h.post('tw', form, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
      'i-twilio-idempotency-token': 'idem-1',
    });
    await assertStored(h, sent, { eventId: 'idem-1' });
  });

  it('checks JSON bodies through bodySHA256 (getExpectedBodyHash)', async () => {
    const body = JSON.stringify({ CallSid: 'CA9', CallStatus: 'completed' });
    const query = `?bodySHA256=${twilio.getExpectedBodyHash(body)}`;
    const signature = twilio.getExpectedTwilioSignature(TOKEN, `https://hooks.example.com/in/json${query}`, {});
    const sent = await h.post('json', body, { 'content-type': 'application/json', 'x-twilio-signature': signature }, query);
    await assertStored(h, sent, { eventId: 'CA9:completed', eventType: 'call.completed' });
    assertRejected(
      await h.post('json', body.replace('CA9', 'CA8'), { 'content-type': 'application/json', 'x-twilio-signature': signature }, query),
      /bodySHA256/,
    );
  });

  it('uses the request URL when no publicUrl is set, ignoring X-Forwarded-* without trustProxy', async () => {
    const signature = twilio.getExpectedTwilioSignature(TOKEN, h.url('direct'), params);
    await assertStored(
      h,
      await h.post('direct', form, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }),
      { orderingKey: 'SM1234' },
    );
    const forged = twilio.getExpectedTwilioSignature(TOKEN, 'https://evil.example/in/direct', params);
    assertRejected(
      await h.post('direct', form, {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': forged,
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'evil.example',
      }),
    );
  });

  it('rejects tampered params and wrong tokens', async () => {
    const signature = twilio.getExpectedTwilioSignature(TOKEN, PUBLIC, params);
    assertRejected(
      await h.post('tw', form.replace('delivered', 'failed'), {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature,
      }),
    );
    const wrong = twilio.getExpectedTwilioSignature('00000000000000000000000000000000', PUBLIC, params);
    assertRejected(await h.post('tw', form, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': wrong }));
  });
});

describe('twilio behind a trusted proxy', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ tw: { provider: 'twilio', secret: TOKEN } }, { trustProxy: true });
  });
  after(() => h.stop());

  it('honours X-Forwarded-Proto/-Host when trustProxy is on', async () => {
    const signature = twilio.getExpectedTwilioSignature(TOKEN, 'https://public.example/in/tw', params);
    const sent = await h.post('tw', form, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'public.example',
    });
    await assertStored(h, sent, { eventType: 'message.delivered' });
  });
});
