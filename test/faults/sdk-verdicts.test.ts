import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { test } from 'node:test';
import '@shopify/shopify-api/adapters/node';
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api';
import { Signature } from '@hubspot/api-client';
import { verifyRequestSignature } from '@slack/events-api';
import fc from 'fast-check';
import { Webhook as SvixWebhook } from 'svix';
import twilio from 'twilio';
import type { InboundRequest } from '../../src/providers/types.ts';
import { flip, mutation, providerFor, RUNS } from './signed-mutation.ts';

/**
 * Differential properties: for signed requests mutated in one place (and
 * unmutated ones), each verifier's verdict equals its provider's official
 * SDK's. Where Sluice is deliberately stricter (a future timestamp beyond the
 * tolerance) the expected verdict says so; nothing the SDK refuses may pass.
 */
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const TWILIO_TOKEN = 'twilio-auth-token-0123456789abcdef';
const RUNS_HERE = Math.max(40, Math.floor(RUNS / 3));

const req = (
  rawBody: string | Buffer,
  headers: Record<string, string>,
  url = 'http://127.0.0.1/in/s',
  method = 'POST',
): InboundRequest => ({ rawBody: Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody), headers, method, url });

/** Where a request arrives: scheme, host, maybe a port, a path and a query (as a provider calls a public URL). */
const calledUrl = fc
  .record({
    scheme: fc.constantFrom('http', 'https'),
    host: fc.constantFrom('example.com', 'hooks.example.org', '127.0.0.1'),
    port: fc.constantFrom('', ':80', ':443', ':8443'),
    path: fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/),
    query: fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,6}$/), fc.stringMatching(/^[A-Za-z0-9._~-]{0,8}$/), { maxKeys: 3 }),
  })
  .map(({ scheme, host, port, path, query }) => {
    const q = new URLSearchParams(query).toString();
    return `${scheme}://${host}${port}/in/s${path ? `/${path}` : ''}${q ? `?${q}` : ''}`;
  });

/** A form body's fields as a web framework hands them to the SDK: repeated keys as arrays. */
function formParams(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const had = out[key];
    out[key] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return out;
}

test('differential: the Twilio verifier agrees with twilio.validateRequest on form posts (URL, port forms, repeated fields)', () => {
  const p = providerFor('twilio', `secret: "${TWILIO_TOKEN}"`);
  const form = fc.array(
    fc.tuple(fc.constantFrom('Body', 'From', 'To', 'MessageSid', 'MessageStatus', 'AccountSid', 'Media'), fc.string({ maxLength: 20 })),
    { maxLength: 6 },
  );
  const where = fc.constantFrom('none', 'body', 'signature', 'url', 'port');
  fc.assert(
    fc.property(calledUrl, form, where, fc.nat(), (url, fields, at, n) => {
      const body = new URLSearchParams(fields).toString();
      // Twilio signs the URL it called, with whatever port form it used.
      let signature = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, url, formParams(body));
      let sentBody = body;
      let receivedUrl = url;
      if (at === 'body') sentBody = body.length === 0 ? 'Body=x' : flip(body, n);
      if (at === 'signature') signature = flip(signature, n);
      if (at === 'url') receivedUrl = url.replace(/\/in\/s/, `/in/${flip('s', n)}`);
      // A proxy adding or dropping the default port: both sides try both forms.
      if (at === 'port') receivedUrl = url.replace(/:(80|443)\//, '/');
      const sdk = twilio.validateRequest(TWILIO_TOKEN, signature, receivedUrl, formParams(sentBody));
      const headers = { 'x-twilio-signature': signature, 'content-type': 'application/x-www-form-urlencoded' };
      const ours = p.verify(req(sentBody, headers, receivedUrl), Date.now()).ok;
      assert.equal(ours, sdk, `at=${at} url=${receivedUrl} body=${sentBody} sig=${signature}`);
    }),
    { numRuns: RUNS_HERE },
  );
});

test('differential: the Twilio verifier agrees with twilio.validateRequestWithBody on JSON bodies (bodySHA256)', () => {
  const p = providerFor('twilio', `secret: "${TWILIO_TOKEN}"`);
  fc.assert(
    fc.property(calledUrl, mutation, (base, { payload, where, at }) => {
      const hash = createHash('sha256').update(payload).digest('hex');
      const url = `${base}${base.includes('?') ? '&' : '?'}bodySHA256=${hash}`;
      let signature = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, url, {});
      let body = payload;
      let receivedUrl = url;
      if (where === 'body') body = flip(payload, at);
      if (where === 'signature') signature = flip(signature, at);
      if (where === 'timestamp') receivedUrl = url.replace(/bodySHA256=([0-9a-f]+)/, (_m, h: string) => `bodySHA256=${flip(h, at)}`);
      const sdk = twilio.validateRequestWithBody(TWILIO_TOKEN, signature, receivedUrl, body);
      const ours = p.verify(req(body, { 'x-twilio-signature': signature, 'content-type': 'application/json' }, receivedUrl), Date.now()).ok;
      assert.equal(ours, sdk, `where=${where} url=${receivedUrl} sig=${signature}`);
    }),
    { numRuns: RUNS_HERE },
  );
});

test('differential: the Shopify verifier agrees with @shopify/shopify-api webhooks.validate', async () => {
  const p = providerFor('shopify', `secret: "${SECRET}"`);
  const shopify = shopifyApi({
    apiSecretKey: SECRET,
    apiKey: 'fuzz',
    hostName: 'localhost',
    apiVersion: ApiVersion.January25,
    isEmbeddedApp: false,
    logger: { level: LogSeverity.Error, log: async () => undefined },
  });
  await fc.assert(
    fc.asyncProperty(mutation, async ({ payload, where, at }) => {
      let hmac = createHmac('sha256', SECRET).update(payload).digest('base64');
      let body = payload;
      if (where === 'body') body = flip(payload, at);
      if (where === 'signature' || where === 'timestamp') hmac = flip(hmac, at);
      const headers = {
        'x-shopify-hmac-sha256': hmac,
        'x-shopify-topic': 'orders/create',
        'x-shopify-shop-domain': 'fuzz.myshopify.com',
        'x-shopify-api-version': '2025-01',
        'x-shopify-webhook-id': 'wh_1',
        'content-type': 'application/json',
      };
      const result = await shopify.webhooks.validate({
        rawBody: body,
        rawRequest: { method: 'POST', url: '/in/s', headers } as never,
        rawResponse: {} as never,
      });
      const ours = p.verify(req(body, headers), Date.now()).ok;
      assert.equal(ours, result.valid, `where=${where} hmac=${hmac}`);
    }),
    { numRuns: RUNS_HERE },
  );
});

test('differential: the Slack verifier agrees with @slack/events-api verifyRequestSignature (and is stricter on future timestamps)', () => {
  const p = providerFor('slack', `secret: "${SECRET}"`);
  const away = mutation.filter((m) => Math.abs(Math.abs(m.skewSec) - 300) > 5);
  fc.assert(
    fc.property(away, ({ payload, where, at, skewSec }) => {
      let ts = String(Math.floor(Date.now() / 1000) + skewSec);
      let signature = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${payload}`).digest('hex')}`;
      let body = payload;
      if (where === 'body') body = flip(payload, at);
      if (where === 'signature') signature = flip(signature, at);
      if (where === 'timestamp') ts = String(Number(ts) + 1 + (at % 100));
      let sdk: boolean;
      try {
        sdk = verifyRequestSignature({ signingSecret: SECRET, requestSignature: signature, requestTimestamp: Number(ts), body });
      } catch {
        sdk = false;
      }
      const ours = p.verify(req(body, { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts }), Date.now()).ok;
      // The package accepts any future timestamp; Sluice holds both directions to the tolerance.
      const skew = Number(ts) - Math.floor(Date.now() / 1000);
      assert.equal(ours, sdk && skew < 300, `where=${where} skew=${skewSec} sig=${signature}`);
    }),
    { numRuns: RUNS_HERE },
  );
});

test('differential: the HubSpot v3 verifier agrees with @hubspot/api-client Signature.isValid (and is stricter on future timestamps)', () => {
  const p = providerFor('hubspot', `secret: "${SECRET}"`);
  const away = mutation.filter((m) => Math.abs(Math.abs(m.skewSec) - 300) > 5);
  fc.assert(
    fc.property(calledUrl, away, (url, { payload, where, at, skewSec }) => {
      let ts = String(Date.now() + skewSec * 1000);
      let signature = createHmac('sha256', SECRET).update(`POST${url}${payload}${ts}`).digest('base64');
      let body = payload;
      if (where === 'body') body = flip(payload, at);
      if (where === 'signature') signature = flip(signature, at);
      if (where === 'timestamp') ts = String(Number(ts) + 1 + (at % 100));
      let sdk: boolean;
      try {
        sdk = Signature.isValid({
          signatureVersion: 'v3',
          signature,
          clientSecret: SECRET,
          requestBody: body,
          url,
          method: 'POST',
          timestamp: Number(ts),
        });
      } catch {
        sdk = false;
      }
      const ours = p.verify(req(body, { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': ts }, url), Date.now()).ok;
      const skewMs = Number(ts) - Date.now();
      assert.equal(ours, sdk && skewMs < 300_000, `where=${where} skew=${skewSec} url=${url} sig=${signature}`);
    }),
    { numRuns: RUNS_HERE },
  );
});

test('differential: the Svix verifier agrees with the svix package (svix-* headers)', () => {
  const p = providerFor('svix', `secret: "${SECRET}"`);
  const hook = new SvixWebhook(SECRET);
  const away = mutation.filter((m) => Math.abs(Math.abs(m.skewSec) - 300) > 5);
  fc.assert(
    fc.property(away, ({ payload, where, at, skewSec }) => {
      const ts = new Date(Date.now() + skewSec * 1000);
      const signature = hook.sign('msg_1', ts, payload);
      const headers: Record<string, string> = {
        'svix-id': 'msg_1',
        'svix-timestamp': String(Math.floor(ts.getTime() / 1000)),
        'svix-signature': signature,
      };
      let body = payload;
      if (where === 'body') body = flip(payload, at);
      if (where === 'signature') headers['svix-signature'] = flip(signature, at);
      if (where === 'timestamp') headers['svix-timestamp'] = String(Number(headers['svix-timestamp']) + 1 + (at % 100));
      let sdk: boolean;
      try {
        hook.verify(body, headers);
        sdk = true;
      } catch {
        sdk = false;
      }
      const ours = p.verify(req(body, headers), Date.now()).ok;
      assert.equal(ours, sdk, `where=${where} skew=${skewSec}`);
    }),
    { numRuns: RUNS_HERE },
  );
});

/** The same bytes spelled another way: the unused low bits of the last base64 character set. */
function malleated(b64: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const data = b64.replace(/=+$/, '');
  const last = alphabet.indexOf(data[data.length - 1] as string);
  const spelled = data.slice(0, -1) + (alphabet[last | 0b11] as string) + b64.slice(data.length);
  assert.deepEqual(Buffer.from(spelled, 'base64'), Buffer.from(b64, 'base64'), 'Node decodes both spellings to the same bytes');
  assert.notEqual(spelled, b64);
  return spelled;
}

test('a signature respelled in base64 (same bytes, unused bits set) is refused, as the SDKs refuse it', async () => {
  const body = '{"id":1}';
  const shopify = providerFor('shopify', `secret: "${SECRET}"`);
  const hmac = createHmac('sha256', SECRET).update(body).digest('base64');
  assert.equal(shopify.verify(req(body, { 'x-shopify-hmac-sha256': hmac }), Date.now()).ok, true);
  assert.equal(shopify.verify(req(body, { 'x-shopify-hmac-sha256': malleated(hmac) }), Date.now()).ok, false);

  const tw = providerFor('twilio', `secret: "${TWILIO_TOKEN}"`);
  const url = 'https://example.com/in/s';
  const form = 'Body=hi&From=%2B15550001';
  const sig = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, url, formParams(form));
  const formHeaders = (s: string) => ({ 'x-twilio-signature': s, 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(tw.verify(req(form, formHeaders(sig), url), Date.now()).ok, true);
  assert.equal(twilio.validateRequest(TWILIO_TOKEN, malleated(sig), url, formParams(form)), false);
  assert.equal(tw.verify(req(form, formHeaders(malleated(sig)), url), Date.now()).ok, false);

  const svix = providerFor('svix', `secret: "${SECRET}"`);
  const hook = new SvixWebhook(SECRET);
  const signed = hook.sign('msg_1', new Date(), body);
  const headers = (s: string) => ({ 'svix-id': 'msg_1', 'svix-timestamp': String(Math.floor(Date.now() / 1000)), 'svix-signature': s });
  assert.equal(svix.verify(req(body, headers(signed)), Date.now()).ok, true);
  const respelled = `v1,${malleated(signed.slice(3))}`;
  assert.throws(() => hook.verify(body, headers(respelled)));
  assert.equal(svix.verify(req(body, headers(respelled)), Date.now()).ok, false);
  // The URL-safe alphabet and missing padding spell the same canonical bytes: still accepted (a documented leniency, not a forgery).
  assert.equal(
    shopify.verify(req(body, { 'x-shopify-hmac-sha256': hmac.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_') }), Date.now()).ok,
    true,
  );
});
