import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../../src/gateway/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { rulesFor } from '../../src/providers/forwarded.ts';
import { providerNames } from '../../src/providers/registry.ts';
import { assertRejected, assertStored, startHarness, type Harness } from './harness.ts';

const body = JSON.stringify({ id: 'evt-9', type: 'thing.happened' });
const json = { 'content-type': 'application/json' };
const basicAuth = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('basic, token and hmac through the gateway', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      postmark: {
        provider: 'basic',
        username: 'hooks',
        password: 'pw-new',
        secrets: ['pw-old'],
        idempotencyKey: 'body:$.id',
        eventType: 'body:$.type',
      },
      header: { provider: 'token', header: 'X-Token', prefix: 'Bearer ', secrets: ['t-1', 't-2'] },
      query: { provider: 'token', query: 'token', secret: 'q-secret' },
      generic: { provider: 'hmac', secret: 'h-secret', header: 'X-Signature', prefix: 'sha256=', idempotencyKey: 'body:$.id' },
    });
  });
  after(() => h.stop());

  it('basic: both passwords of a rotation, wrong user or password → 401', async () => {
    await assertStored(h, await h.post('postmark', body, { ...json, authorization: basicAuth('hooks', 'pw-new') }), {
      eventId: 'evt-9',
      eventType: 'thing.happened',
    });
    assert.equal((await h.post('postmark', body, { ...json, authorization: basicAuth('hooks', 'pw-old') })).status, 200);
    assertRejected(await h.post('postmark', body, { ...json, authorization: basicAuth('other', 'pw-new') }));
    assertRejected(await h.post('postmark', body, { ...json, authorization: basicAuth('hooks', 'pw-neW') }));
    assertRejected(await h.post('postmark', body, json), /missing/);
  });

  it('token: header with prefix, or query parameter', async () => {
    assert.equal((await h.post('header', body, { ...json, 'x-token': 'Bearer t-2' })).status, 200);
    assertRejected(await h.post('header', body, { ...json, 'x-token': 't-2' }), /does not start/);
    assertRejected(await h.post('header', body, { ...json, 'x-token': 'Bearer t-3' }));
    assert.equal((await h.post('query', body, json, '?token=q-secret')).status, 200);
    assertRejected(await h.post('query', body, json, '?token=q-secreT'));
    assertRejected(await h.post('query', body, json), /missing token/);
  });

  it('hmac: the generic verifier', async () => {
    const sig = `sha256=${createHmac('sha256', 'h-secret').update(body).digest('hex')}`;
    await assertStored(h, await h.post('generic', body, { ...json, 'x-signature': sig }), { eventId: 'evt-9' });
    assertRejected(await h.post('generic', body.replace('9', '8'), { ...json, 'x-signature': sig }));
  });
});

describe('provider config', () => {
  const load = (sources: Record<string, unknown>, top: Record<string, unknown> = {}): unknown =>
    parseConfig(JSON.stringify({ apiToken: 'test-token-0123456789', ...top, applications: { a: {} }, sources }), 'x.yaml', {}, {});
  const problems = (sources: Record<string, unknown>, top: Record<string, unknown> = {}): string[] => {
    try {
      load(sources, top);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };

  it('names every known provider when the name is unknown', () => {
    const [problem] = problems({ s: { provider: 'stripey', secret: 'x', application: 'a' } });
    assert.match(problem ?? '', /sources\.s\.provider: unknown provider "stripey" \(known: /);
    for (const name of [
      'stripe',
      'github',
      'shopify',
      'slack',
      'twilio',
      'standard-webhooks',
      'svix',
      'clerk',
      'resend',
      'discord',
      'zoom',
      'square',
      'paddle',
      'gitlab',
      'linear',
      'pagerduty',
      'hubspot',
      'woocommerce',
      'typeform',
      'sendgrid',
      'mailgun',
      'intercom',
      'twitch',
      'basic',
      'token',
      'hmac',
    ]) {
      assert.ok(providerNames().includes(name), name);
      assert.ok(problem?.includes(name), name);
    }
  });

  it('checks provider keys, secrets, publicUrl and trustProxy', () => {
    assert.deepEqual(problems({ s: { provider: 'token', secret: 'x', header: 'X-T', query: 't', application: 'a' } }), [
      'sources.s.header: set exactly one of header or query',
    ]);
    assert.match(problems({ s: { provider: 'stripe', application: 'a' } })[0] ?? '', /sources\.s\.secret: required by provider stripe/);
    assert.match(
      problems({ s: { provider: 'github', secret: 'x', allowSha256: true, application: 'a' } })[0] ?? '',
      /unknown key.*allowSha1/,
    );
    assert.match(
      problems({ s: { provider: 'twilio', secret: 'x', publicUrl: '/in/s', application: 'a' } })[0] ?? '',
      /publicUrl: must be an absolute/,
    );
    assert.match(problems({ s: { provider: 'discord', secret: 'abc', application: 'a' } })[0] ?? '', /64 hex/);
    assert.match(problems({ s: { provider: 'sendgrid', secret: 'abc', application: 'a' } })[0] ?? '', /verification key/);
    assert.match(problems({ s: { provider: 'basic', username: 'u', application: 'a' } })[0] ?? '', /password: required/);
    assert.match(problems({}, { trustProxy: 'yes' })[0] ?? '', /trustProxy: must be true or false/);
  });

  it('gives providers their own default tolerance unless one is set', () => {
    const config = load({
      lin: { provider: 'linear', secret: 'x', application: 'a' },
      tw: { provider: 'twitch', secret: 'x', application: 'a' },
      st: { provider: 'stripe', secret: 'x', application: 'a' },
      lin2: { provider: 'linear', secret: 'x', application: 'a', tolerance: '2m' },
    }) as { sources: Record<string, { toleranceMs: number }>; trustProxy: boolean };
    assert.deepEqual(Object.fromEntries(Object.entries(config.sources).map(([k, v]) => [k, v.toleranceMs])), {
      lin: 60_000,
      tw: 600_000,
      st: 300_000,
      lin2: 120_000,
    });
    assert.equal(config.trustProxy, false);
  });

  it('has a forwarding rule for every provider, and refuses forwardHeaders that name a credential or a Standard Webhooks header', () => {
    assert.deepEqual([...rulesFor()].sort(), providerNames());
    assert.match(
      problems({ s: { provider: 'token', secret: 'x', header: 'X-T', application: 'a', forwardHeaders: ['Authorization'] } })[0] ?? '',
      /forwardHeaders: "authorization" is never forwarded/,
    );
    assert.match(
      problems({ s: { provider: 'hmac', secret: 'x', header: 'X-S', application: 'a', forwardHeaders: ['svix-id'] } })[0] ?? '',
      /never forwarded/,
    );
    assert.match(
      problems({ s: { provider: 'hmac', secret: 'x', header: 'X-S', application: 'a', forwardHeaders: ['bad header'] } })[0] ?? '',
      /not a header name/,
    );
    const config = load({
      s: { provider: 'hmac', secret: 'x', header: 'X-S', application: 'a', forwardHeaders: ['X-Event', 'X-Acme-*'] },
    }) as { sources: Record<string, { forwardHeaders?: string[] }> };
    assert.deepEqual(config.sources.s?.forwardHeaders, ['x-event', 'x-acme-*']);
  });

  it("reads an endpoint's providerSignature and refuses an unknown one, naming the key", () => {
    const doc = (value: unknown) =>
      JSON.stringify({
        apiToken: 'test-token-0123456789',
        applications: {
          a: { endpoints: [{ id: 'e', url: 'http://127.0.0.1:9/x', ...(value === undefined ? {} : { providerSignature: value }) }] },
        },
      });
    const endpointOf = (value: unknown) =>
      (
        parseConfig(doc(value), 'x.yaml', {}, {}) as unknown as {
          applications: Record<string, { endpoints: Array<{ providerSignature?: string }> }>;
        }
      ).applications.a?.endpoints[0];
    assert.equal(endpointOf('drop')?.providerSignature, 'drop');
    assert.equal(endpointOf(undefined)?.providerSignature, undefined, 'absent: the default applies when it is stored');
    assert.throws(
      () => parseConfig(doc('sometimes'), 'x.yaml', {}, {}),
      /applications\.a\.endpoints\[0\]\.providerSignature: must be one of forward, resign, drop/,
    );
  });
});
