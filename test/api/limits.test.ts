import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestGateway } from '../helpers/gateway.ts';

test('API: beyond outbound.apiRateLimit a token gets 429 with Retry-After in the Svix error shape', async () => {
  const gw = await startTestGateway(
    `
outbound: { apiRateLimit: 5 }
applications:
  shop: {}
`,
    { logLevel: 'silent' },
  );
  try {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 20; i++) {
      const res = await gw.api('/app/shop/msg');
      statuses.push(res.status);
      if (res.status === 429 && !limited) limited = res;
      else await res.arrayBuffer();
    }
    assert.ok(
      statuses.slice(0, 5).every((s) => s === 200),
      `the first five pass: ${statuses.join(',')}`,
    );
    assert.ok(limited, `some requests are refused: ${statuses.join(',')}`);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    const body = (await limited.json()) as { code: string; detail: string };
    assert.equal(body.code, 'rate_limit_exceeded');
    assert.match(body.detail, /5 API requests per second/);
    // The limit is per token: without the right one it is still 401, not 429.
    assert.equal((await fetch(`${gw.url}/api/v1/app/shop/msg`)).status, 401);
  } finally {
    await gw.stop();
  }
});

test('API: a body over the size limit gets 413 in the Svix error shape', async () => {
  const gw = await startTestGateway(
    `
ingest: { maxBodySize: 2KiB }
applications:
  shop: {}
`,
    { logLevel: 'silent' },
  );
  try {
    const res = await gw.api('/app/shop/msg', {
      method: 'POST',
      body: JSON.stringify({ eventType: 'a.b', payload: { pad: 'x'.repeat(5000) } }),
    });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { code: string }).code, 'payload_too_large');
    assert.equal((await gw.api('/app/shop/msg')).status, 200, 'the gateway carries on');
  } finally {
    await gw.stop();
  }
});
