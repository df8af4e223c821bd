import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { assertRejected, assertStored, nowSec, startHarness, type Harness } from './harness.ts';

const stripe = new Stripe('sk_test_unused');
const SECRET = 'whsec_test_secret_for_sluice';
const OLD = 'whsec_previous_secret';
const event = JSON.stringify({ id: 'evt_1Abc', type: 'invoice.paid', created: 1_700_000_000, data: { object: { id: 'in_42' } } });

const sign = (payload: string, secret: string, timestamp = nowSec()): string =>
  stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });

describe('stripe through the gateway', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      stripe: { provider: 'stripe', secrets: [SECRET, OLD] },
      strict: { provider: 'stripe', secret: SECRET, tolerance: '10s' },
    });
  });
  after(() => h.stop());

  it('accepts a signature made by the stripe package and extracts id/type/time/key', async () => {
    const sent = await h.post('stripe', event, { 'content-type': 'application/json', 'stripe-signature': sign(event, SECRET) });
    await assertStored(h, sent, { eventId: 'evt_1Abc', eventType: 'invoice.paid', sequence: 1_700_000_000_000, orderingKey: 'in_42' });
  });

  it('accepts the rotated-out secret too', async () => {
    const body = event.replace('evt_1Abc', 'evt_2');
    const sent = await h.post('stripe', body, { 'content-type': 'application/json', 'stripe-signature': sign(body, OLD) });
    await assertStored(h, sent, { eventId: 'evt_2' });
  });

  it('rejects a tampered body, a wrong secret, an expired timestamp', async () => {
    const headers = { 'content-type': 'application/json', 'stripe-signature': sign(event, SECRET) };
    assertRejected(await h.post('stripe', event.replace('invoice.paid', 'invoice.void'), headers), /no signature/);
    assertRejected(await h.post('stripe', event, { ...headers, 'stripe-signature': sign(event, 'whsec_wrong') }));
    assertRejected(await h.post('stripe', event, { ...headers, 'stripe-signature': sign(event, SECRET, nowSec() - 301) }), /too old/);
    assertRejected(await h.post('strict', event, { ...headers, 'stripe-signature': sign(event, SECRET, nowSec() - 60) }), /too old/);
    assertRejected(await h.post('stripe', event, { 'content-type': 'application/json' }), /missing/);
  });
});
