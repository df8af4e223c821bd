import assert from 'node:assert/strict';
import { generateKeyPairSync, createHmac } from 'node:crypto';
import { test } from 'node:test';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { parseConfig } from '../../src/gateway/config.ts';
import { jsonDepth } from '../../src/ingest/json-depth.ts';
import { parseBody, parseUnverified } from '../../src/ingest/parse-body.ts';
import { findProvider, providerNames } from '../../src/providers/registry.ts';
import type { InboundRequest, ProviderInstance } from '../../src/providers/types.ts';
import { flip, mutation, RUNS } from './signed-mutation.ts';

/**
 * Property tests of everything that reads a hostile request before (or
 * while) deciding whether to believe it. A short run inside `npm test`; a
 * long one with FAULTS_FULL=1 (`npm run test:faults`).
 */
const STD_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const stripe = new Stripe('sk_test_unused');

function providers(): Map<string, ProviderInstance> {
  const discordKey = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex');
  const sendgridKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    .publicKey.export({ format: 'der', type: 'spki' })
    .toString('base64');
  const extra: Record<string, string> = {
    hmac: 'secret: s3cret, header: X-Sig',
    token: 'secret: a-shared-token-value, header: X-Token',
    basic: 'username: u, secret: a-password-value',
    discord: `secret: "${discordKey}"`,
    sendgrid: `secret: "${sendgridKey}"`,
    rabbitmq: 'connection: r, queue: q',
    nats: 'connection: n, stream: s',
    redis: 'connection: d, stream: s',
  };
  const brokers =
    'brokers:\n  r: { type: rabbitmq, url: "amqp://127.0.0.1" }\n  n: { type: nats, url: "nats://127.0.0.1" }\n  d: { type: redis, url: "redis://127.0.0.1" }\n';
  const names = providerNames();
  const src = names
    .map((p) => `  s_${p.replace(/-/g, '_')}: { provider: ${p}, application: app, ${extra[p] ?? `secret: "${STD_SECRET}"`} }`)
    .join('\n');
  const config = parseConfig(
    `apiToken: fuzz-token-0123456789\n${brokers}applications:\n  app: {}\nsources:\n${src}\n`,
    'fuzz.yaml',
    {},
    {},
  );
  const out = new Map<string, ProviderInstance>();
  for (const source of Object.values(config.sources)) {
    const def = findProvider(source.provider);
    assert.ok(def);
    out.set(source.provider, def.create(source, source.options));
  }
  assert.equal(out.size, names.length, 'every provider is fuzzed');
  return out;
}

const headerName = fc.constantFrom(
  'content-type',
  'stripe-signature',
  'x-hub-signature-256',
  'x-shopify-hmac-sha256',
  'x-slack-signature',
  'x-slack-request-timestamp',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'svix-id',
  'svix-timestamp',
  'svix-signature',
  'x-signature-ed25519',
  'x-signature-timestamp',
  'x-twilio-signature',
  'x-gitlab-token',
  'authorization',
  'x-sig',
  'x-token',
  'paddle-signature',
  'linear-signature',
  'x-hubspot-signature-v3',
  'x-hubspot-request-timestamp',
  'x-wc-webhook-signature',
  'typeform-signature',
  'x-twilio-email-event-webhook-signature',
  'x-twilio-email-event-webhook-timestamp',
  'x-pagerduty-signature',
  'x-square-hmacsha256-signature',
  'twitch-eventsub-message-signature',
  'twitch-eventsub-message-id',
  'twitch-eventsub-message-timestamp',
  'x-zm-signature',
  'x-zm-request-timestamp',
  'x-hub-signature',
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  // A near miss of the basic source's credential (one character off): the real one would not be a forgery.
  fc.constantFrom(
    'v1,',
    't=1,v1=',
    'sha256=',
    'v0=',
    'Basic dTphLXBhc3N3b3JkLXZhbHVY',
    'application/json',
    'application/x-www-form-urlencoded',
    String(Math.floor(Date.now() / 1000)),
  ),
  fc.stringMatching(/^[0-9a-f]{0,80}$/),
);
const body = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.json({ maxDepth: 6 }).map((t) => Buffer.from(t)),
  fc.integer({ min: 1, max: 5000 }).map((n) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`)),
  fc.string({ maxLength: 200 }).map((t) => Buffer.from(`payload=${encodeURIComponent(t)}&ssl_check=1`)),
);
const request = fc.record({
  headers: fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
  body,
  url: fc.constantFrom('http://127.0.0.1/in/s', 'https://example.com/in/s?x=1'),
});

test('fuzz: ingest parsing never throws, and the depth scan agrees with JSON itself', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 500 }), fc.option(fc.string({ maxLength: 40 })), (bytes, type) => {
      const raw = Buffer.from(bytes);
      parseBody(raw, type ?? undefined, 128);
      parseUnverified(raw, type ?? undefined);
      jsonDepth(raw, 128);
    }),
    { numRuns: RUNS * 4 },
  );
  const depthOf = (v: unknown): number =>
    v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v as object).map(depthOf)) : 0;
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
      assert.equal(jsonDepth(JSON.stringify(value)), depthOf(value));
    }),
    { numRuns: RUNS * 2 },
  );
});

test('fuzz: no provider verifier throws or accepts a forged request; handshakes and extraction never throw', () => {
  const all = providers();
  const now = Date.now();
  fc.assert(
    fc.property(request, ({ headers, body: raw, url }) => {
      const req: InboundRequest = { rawBody: raw, headers, method: 'POST', url };
      for (const [name, p] of all) {
        const pre = p.unsignedHandshake?.(req, parseUnverified(raw, headers['content-type']));
        const verdict = p.verify(req, now);
        // Forged means: made without the secret. Only an unsigned handshake (which stores nothing) may answer.
        if (verdict.ok) assert.fail(`${name} accepted a forged request: ${JSON.stringify(headers)} ${raw.toString('utf8').slice(0, 80)}`);
        const parsed = parseBody(raw, headers['content-type'], 128);
        p.handshake?.(req, parsed.ok ? parsed.value : undefined);
        p.extract(req, parsed.ok ? parsed.value : undefined);
        void pre;
      }
    }),
    { numRuns: RUNS },
  );
});

test('differential: the Standard Webhooks verifier agrees with the standardwebhooks package', () => {
  const p = providers().get('standard-webhooks') as ProviderInstance;
  const hook = new Webhook(STD_SECRET);
  fc.assert(
    fc.property(mutation, ({ payload, where, at, skewSec }) => {
      const now = Date.now();
      const ts = new Date(now + skewSec * 1000);
      const signature = hook.sign('msg_1', ts, payload);
      const headers = {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
        'webhook-signature': signature,
      };
      let body = payload;
      if (where === 'body') body = flip(payload, at);
      if (where === 'signature') headers['webhook-signature'] = flip(signature, at);
      if (where === 'timestamp') headers['webhook-timestamp'] = String(Number(headers['webhook-timestamp']) + 1 + (at % 100));
      let sdk: boolean;
      try {
        hook.verify(body, headers);
        sdk = true;
      } catch {
        sdk = false;
      }
      const ours = p.verify({ rawBody: Buffer.from(body), headers, method: 'POST', url: 'http://127.0.0.1/' }, now).ok;
      assert.equal(ours, sdk, `where=${where} skew=${skewSec}`);
    }),
    { numRuns: RUNS },
  );
});

test('differential: the Stripe verifier agrees with the stripe package (and is stricter on future timestamps)', () => {
  const p = providers().get('stripe') as ProviderInstance;
  // Away from the 300 s edge, where a second's tick between the two checks could decide.
  const away = mutation.filter((m) => Math.abs(Math.abs(m.skewSec) - 300) > 5);
  fc.assert(
    fc.property(away, ({ payload, where, at, skewSec }) => {
      const now = Date.now();
      const timestamp = Math.floor(now / 1000) + skewSec;
      let header = stripe.webhooks.generateTestHeaderString({ payload, secret: STD_SECRET, timestamp });
      let body = payload;
      if (where === 'body') body = flip(payload, at);
      if (where === 'signature') header = flip(header, at);
      if (where === 'timestamp') header = header.replace(/t=(\d+)/, (_m, t: string) => `t=${Number(t) + 1}`);
      let sdk: boolean;
      try {
        stripe.webhooks.signature?.verifyHeader(body, header, STD_SECRET, 300);
        if (!stripe.webhooks.signature) throw new Error('the stripe package has no signature helper');
        sdk = true;
      } catch {
        sdk = false;
      }
      const ours = p.verify(
        { rawBody: Buffer.from(body), headers: { 'stripe-signature': header }, method: 'POST', url: 'http://127.0.0.1/' },
        now,
      ).ok;
      // The stripe package accepts any timestamp in the future; Sluice holds both directions to the tolerance.
      const expected = sdk && skewSec < 300;
      assert.equal(ours, expected, `where=${where} skew=${skewSec} header=${header}`);
    }),
    { numRuns: RUNS },
  );
});

test('differential: the GitHub verifier agrees with @octokit/webhooks-methods', async () => {
  const p = providers().get('github') as ProviderInstance;
  await fc.assert(
    fc.asyncProperty(mutation, async ({ payload, where, at }) => {
      let signature = `sha256=${createHmac('sha256', STD_SECRET).update(payload).digest('hex')}`;
      let body = payload;
      if (where === 'body') body = flip(payload, at);
      if (where === 'signature') signature = flip(signature, at);
      const sdk = await octokitVerify(STD_SECRET, body, signature).catch(() => false);
      const ours = p.verify(
        { rawBody: Buffer.from(body), headers: { 'x-hub-signature-256': signature }, method: 'POST', url: 'http://127.0.0.1/' },
        Date.now(),
      ).ok;
      assert.equal(ours, sdk, `where=${where}`);
    }),
    { numRuns: RUNS },
  );
});
