import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  RESPONSE_HEADER_BYTES_MAX,
  RESPONSE_HEADERS_MAX,
  storedRequestHeaders,
  storedResponseHeaders,
} from '../../src/delivery/attempt-headers.ts';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';

describe('attempt headers', () => {
  test("request headers: the endpoint's own headers and credential-named ones are redacted, signatures kept", () => {
    const stored = storedRequestHeaders(
      {
        'webhook-id': 'msg_1',
        'webhook-signature': 'v1,abc',
        'x-hub-signature-256': 'sha256=00',
        'x-tenant': 'acme',
        authorization: 'Basic Zm9v',
        'x-api-key': 'k',
        'content-type': 'application/json',
      },
      { 'X-Tenant': 'acme' },
    );
    assert.deepEqual(stored, {
      'webhook-id': 'msg_1',
      'webhook-signature': 'v1,abc',
      'x-hub-signature-256': 'sha256=00',
      'x-tenant': '[redacted]',
      authorization: '[redacted]',
      'x-api-key': '[redacted]',
      'content-type': 'application/json',
    });
  });

  test('response headers: in order, cookies redacted, bounded in count and size with what was dropped counted', () => {
    assert.deepEqual(storedResponseHeaders({ 'x-a': '1', 'set-cookie': ['s=secret', 't=2'], 'x-b': undefined }), [
      ['x-a', '1'],
      ['set-cookie', '[redacted]'],
      ['set-cookie', '[redacted]'],
    ]);
    const many = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`x-h${i}`, 'v']));
    const kept = storedResponseHeaders(many);
    assert.equal(kept.length, RESPONSE_HEADERS_MAX + 1);
    assert.deepEqual(kept.at(-1), ['sluice-truncated', '30 more headers not kept']);
    const big = storedResponseHeaders(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x-big${i}`, 'y'.repeat(2000)])));
    const size = big.reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    assert.ok(size <= RESPONSE_HEADER_BYTES_MAX + 64, `bounded (${size} bytes)`);
    assert.match(big[0]![1], /…$/, 'a long value is cut');
  });

  test("an HTTP attempt stores what was sent (the endpoint's credential redacted) and what came back, and the attempts API returns both", async () => {
    const receiver = await new Receiver(() => ({
      status: 202,
      headers: { 'x-receiver': 'ledger-7', 'set-cookie': 'session=abc' },
      body: 'ok',
    })).start();
    const gw = await startTestGateway(
      `
applications:
  shop:
    endpoints:
      - { id: a, url: "${receiver.url}", headers: { Authorization: "Bearer s3cret-token-value", X-Tenant: acme } }
`,
      { logLevel: 'warn' },
    );
    try {
      const sent = await gw.api('/app/shop/msg', { method: 'POST', body: JSON.stringify({ eventType: 'order.paid', payload: { n: 1 } }) });
      assert.equal(sent.status, 202);
      const { id } = (await sent.json()) as { id: string };
      await receiver.waitFor(1);
      assert.equal(receiver.requests[0]!.headers.authorization, 'Bearer s3cret-token-value', 'the receiver gets the credential');
      type Out = {
        data: Array<{ sentHeaders: Record<string, string> | null; responseHeaders: Array<[string, string]> | null; sensitive: string[] }>;
      };
      const attempts = await eventually(
        async () => {
          const page = (await (await gw.api(`/app/shop/attempt/msg/${id}`)).json()) as Out;
          return page.data.length > 0 ? page.data : undefined;
        },
        10_000,
        'the attempt',
      );
      const [a] = attempts;
      assert.equal(a!.sentHeaders?.authorization, '[redacted]');
      assert.equal(a!.sentHeaders?.['x-tenant'], '[redacted]', "every header of the endpoint's own is redacted");
      assert.match(a!.sentHeaders?.['webhook-signature'] ?? '', /^v1,/, 'the signature is kept');
      assert.equal(a!.sentHeaders?.['webhook-id'], id);
      assert.deepEqual(a!.sensitive.sort(), ['authorization', 'x-tenant']);
      assert.deepEqual(
        a!.responseHeaders?.find(([k]) => k === 'x-receiver'),
        ['x-receiver', 'ledger-7'],
      );
      assert.deepEqual(
        a!.responseHeaders?.find(([k]) => k === 'set-cookie'),
        ['set-cookie', '[redacted]'],
      );
      const stored = await gw.gateway.store.listAttempts({
        appId: (await gw.gateway.store.findMessage(id))!.appId,
        messageId: id,
        limit: 5,
      });
      assert.doesNotMatch(JSON.stringify(stored.data), /s3cret-token-value|session=abc/, 'the credential never reaches the store');
    } finally {
      await gw.stop();
      await receiver.stop();
    }
  });
});
