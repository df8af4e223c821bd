import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonDepth } from '../../src/ingest/json-depth.ts';
import { parseBody } from '../../src/ingest/parse-body.ts';
import { payloadOf } from '../../src/http/api/views.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import { STD_SECRET, stdHeaders } from '../helpers/signing.ts';

const deep = (levels: number): string => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
const deepObject = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

test('json depth: counted on the bytes, strings and escapes ignored, stops past the limit', () => {
  assert.equal(jsonDepth('{"a":[1,{"b":2}]}'), 3);
  assert.equal(jsonDepth('{"a":"[[[[\\"[[["}'), 1);
  assert.equal(jsonDepth('"\\\\"'), 0);
  assert.equal(jsonDepth(deep(100_000), 128), 129);
  assert.equal(parseBody(Buffer.from(deep(200)), 'application/json', 128).ok, false);
  assert.equal(parseBody(Buffer.from(deep(128)), 'application/json', 128).ok, true);
});

test('views: any stored bytes render (deep JSON as its text, binary as text)', () => {
  const text = deep(100_000);
  const view = payloadOf({ payload: Buffer.from(text) });
  assert.equal(view, text);
  assert.doesNotThrow(() => JSON.stringify({ payload: view }));
  assert.deepEqual(payloadOf({ payload: Buffer.from('{"a":1}') }), { a: 1 });
  assert.equal(typeof payloadOf({ payload: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) }), 'string');
});

test('a signed 100,000-level body is stored invalid, and the message list keeps answering 200', async () => {
  const gw = await startTestGateway(
    `
applications:
  shop: {}
sources:
  std: { provider: standard-webhooks, secret: ${STD_SECRET}, application: shop }
`,
    { logLevel: 'silent' },
  );
  try {
    for (const body of [deep(100_000), deepObject(100_000)]) {
      const res = await fetch(`${gw.url}/in/std`, { method: 'POST', headers: stdHeaders(body), body });
      assert.equal(res.status, 200);
      const answer = (await res.json()) as { state?: string };
      assert.equal(answer.state, 'invalid');
    }
    const list = await gw.api('/app/shop/msg');
    assert.equal(list.status, 200);
    const page = (await list.json()) as { data: Array<{ state: string; error: string; payload: unknown }> };
    assert.equal(page.data.length, 2);
    for (const m of page.data) {
      assert.equal(m.state, 'invalid');
      assert.match(m.error, /nests deeper than 128/);
      assert.equal(typeof m.payload, 'string', 'deep JSON comes back as its text');
    }
    assert.equal((await gw.api('/app/shop/quarantine')).status, 200);
  } finally {
    await gw.stop();
  }
});

test('the API refuses a payload nested deeper than ingest.maxNestingDepth with 422, and accepts one at it', async () => {
  const gw = await startTestGateway(
    `
ingest: { maxNestingDepth: 20 }
applications:
  shop: {}
`,
    { logLevel: 'silent' },
  );
  try {
    for (const levels of [21, 5000]) {
      const body = `{"eventType":"a.b","payload":${deepObject(levels)}}`;
      const res = await gw.api('/app/shop/msg', { method: 'POST', body });
      assert.equal(res.status, 422, `depth ${levels}`);
      const err = (await res.json()) as { code: string; detail: string };
      assert.equal(err.code, 'validation');
      assert.match(err.detail, /nests deeper than 20 levels/);
    }
    // The envelope itself is one level: 18 levels of payload make 19.
    const ok = await gw.api('/app/shop/msg', { method: 'POST', body: `{"eventType":"a.b","payload":${deepObject(18)}}` });
    assert.equal(ok.status, 202);
    assert.equal((await gw.api('/app/shop/msg')).status, 200);
  } finally {
    await gw.stop();
  }
});

test('an unsigned hostile body is refused 401 before it is parsed (no parse, no store)', async () => {
  const gw = await startTestGateway(
    `
applications:
  shop: {}
sources:
  std: { provider: standard-webhooks, secret: ${STD_SECRET}, application: shop }
`,
    { logLevel: 'silent' },
  );
  try {
    const body = deep(500_000);
    const original = JSON.parse;
    let parses = 0;
    // Counting calls of the real JSON.parse (not replacing what it does) shows whether ingest parsed the body.
    JSON.parse = ((text: string, reviver?: (k: string, v: unknown) => unknown) => {
      if (typeof text === 'string' && text.length >= body.length) parses++;
      return original(text, reviver);
    }) as typeof JSON.parse;
    let status: number;
    try {
      const res = await fetch(`${gw.url}/in/std`, {
        method: 'POST',
        headers: { ...stdHeaders(body), 'webhook-signature': 'v1,AAAA' },
        body,
      });
      status = res.status;
      await res.arrayBuffer();
    } finally {
      JSON.parse = original;
    }
    assert.equal(status, 401);
    assert.equal(parses, 0, 'the body was not parsed before the signature was checked');
    const page = (await (await gw.api('/app/shop/msg')).json()) as { data: unknown[] };
    assert.equal(page.data.length, 0);
  } finally {
    await gw.stop();
  }
});
