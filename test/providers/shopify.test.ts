import { after, before, describe, it } from 'node:test';
import { getHmac } from '@shopify/shopify-api/test-helpers';
import { assertRejected, assertStored, startHarness, type Harness } from './harness.ts';

const SECRET = 'shpss_0123456789abcdef';
const body = JSON.stringify({
  id: 820982911946154500,
  admin_graphql_api_id: 'gid://shopify/Order/820982911946154508',
  email: 'jon@example.com',
});

describe('shopify through the gateway', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ shop: { provider: 'shopify', secrets: [SECRET] } });
  });
  after(() => h.stop());

  it('accepts the HMAC of @shopify/shopify-api test helpers, X-Shopify-* and shopify-* names', async () => {
    const sent = await h.post('shop', body, {
      'content-type': 'application/json',
      'x-shopify-hmac-sha256': getHmac(body, SECRET),
      'x-shopify-topic': 'orders/create',
      'x-shopify-event-id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
      'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      'x-shopify-triggered-at': '2023-03-29T18:00:27.877041743Z',
    });
    await assertStored(h, sent, {
      eventId: '98880550-7158-44d4-b7cd-2c97c8a091b5',
      eventType: 'orders/create',
      sequence: Date.parse('2023-03-29T18:00:27.877Z'),
      orderingKey: 'gid://shopify/Order/820982911946154508',
    });
    const unprefixed = await h.post('shop', body, {
      'content-type': 'application/json',
      'shopify-hmac-sha256': getHmac(body, SECRET),
      'shopify-topic': 'orders/updated',
      'shopify-webhook-id': 'wh-2',
    });
    await assertStored(h, unprefixed, { eventId: 'wh-2', eventType: 'orders/updated' });
  });

  it('rejects tampered bodies and wrong secrets', async () => {
    const headers = {
      'content-type': 'application/json',
      'x-shopify-hmac-sha256': getHmac(body, SECRET),
      'x-shopify-topic': 'orders/create',
    };
    assertRejected(await h.post('shop', body.replace('jon', 'eve'), headers));
    assertRejected(await h.post('shop', body, { ...headers, 'x-shopify-hmac-sha256': getHmac(body, 'other') }));
    assertRejected(await h.post('shop', body, { 'content-type': 'application/json' }), /missing/);
  });
});
