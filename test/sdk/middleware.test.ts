import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import { sign } from '@octokit/webhooks-methods';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import twilio from 'twilio';
import { expressWebhook, fastifyWebhook, honoWebhook, webhookHandler, type VerifiedWebhook } from '../../src/sdk/verify.ts';

const SECRET = 'mw-secret';
const body = '{"action":"opened",  "issue":{"node_id":"I_1","big":12345678901234567890}}';
const post = async (url: string, payload: string, headers: Record<string, string>): Promise<{ status: number; json: unknown }> => {
  const res = await fetch(url, { method: 'POST', body: payload, headers });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
};
const ghHeaders = async (payload: string, secret = SECRET): Promise<Record<string, string>> => ({
  'content-type': 'application/json',
  'x-github-event': 'issues',
  'x-github-delivery': 'dlv-1',
  'x-hub-signature-256': await sign(secret, payload),
});
/** The same checks against every framework: the handler echoes what it got. */
async function exercise(url: string): Promise<void> {
  const ok = await post(url, body, await ghHeaders(body));
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json, { id: 'dlv-1', type: 'issues.opened', key: 'I_1', raw: body });
  const tampered = await post(url, body.replace('opened', 'closed'), await ghHeaders(body));
  assert.equal(tampered.status, 401);
  assert.equal((tampered.json as { error: string }).error, 'signature_invalid');
  assert.equal((await post(url, body, await ghHeaders(body, 'wrong'))).status, 401);
  const ping = await post(url, '{"zen":"x"}', { ...(await ghHeaders('{"zen":"x"}')), 'x-github-event': 'ping' });
  assert.deepEqual([ping.status, ping.json], [200, { ok: true, event: 'ping' }]);
}
const echo = (hook: VerifiedWebhook): Record<string, unknown> => ({
  id: hook.id,
  type: hook.type,
  key: hook.orderingKey,
  raw: hook.rawBody.toString(),
});
/** Resolves with the base URL once `server` listens on loopback. */
const listening = (server: Server): Promise<string> =>
  new Promise((resolve) => {
    const done = (): void => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    if (server.listening) done();
    else server.once('listening', done);
  });

describe('express middleware on a real express server', () => {
  let server: Server;
  let url: string;
  before(async () => {
    const app = express();
    app.post('/gh', expressWebhook('github', { secrets: [SECRET] }), (req, res) => {
      res.json(echo((req as unknown as { webhook: VerifiedWebhook }).webhook));
    });
    // A JSON parser in front of the verifier is the classic mistake: it must fail loudly, not verify a re-serialisation.
    app.post('/parsed', express.json(), expressWebhook('github', { secrets: [SECRET] }), (_req, res) => {
      res.json({});
    });
    app.use((err: Error & { code?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ error: err.code });
    });
    server = app.listen(0, '127.0.0.1');
    url = await listening(server);
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verifies the raw bytes, answers handshakes and bad signatures', async () => {
    await exercise(`${url}/gh`);
  });

  it('reports a body parser that ran first', async () => {
    const sent = await post(`${url}/parsed`, body, await ghHeaders(body));
    assert.deepEqual([sent.status, sent.json], [500, { error: 'raw_body_unavailable' }]);
  });
});

describe('fastify plugin on a real fastify server', () => {
  const app = Fastify();
  let url: string;
  before(async () => {
    app.register(async (scope) => {
      await scope.register(fastifyWebhook('github', { secrets: [SECRET] }));
      scope.post('/gh', async (req) => echo(req.webhook as VerifiedWebhook));
    });
    app.post('/plain', async (req) => ({ parsed: req.body }));
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => app.close());

  it('verifies the raw bytes, answers handshakes and bad signatures', async () => {
    await exercise(`${url}/gh`);
  });

  it('leaves the rest of the app with its JSON parser', async () => {
    const sent = await post(`${url}/plain`, '{"a":1}', { 'content-type': 'application/json' });
    assert.deepEqual(sent.json, { parsed: { a: 1 } });
  });
});

describe('hono middleware on a real @hono/node-server', () => {
  let server: Server;
  let url: string;
  before(async () => {
    const app = new Hono<{ Variables: { webhook: VerifiedWebhook } }>();
    app.post('/gh', honoWebhook('github', { secrets: [SECRET] }), async (c) => {
      // The body stays readable after the middleware (Hono's body cache).
      const parsed = await c.req.json<{ action: string }>();
      assert.equal(parsed.action, 'opened');
      return c.json(echo(c.get('webhook')));
    });
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    url = await listening(server);
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verifies the raw bytes, answers handshakes and bad signatures', async () => {
    await exercise(`${url}/gh`);
  });
});

describe('Web-standard handler served over HTTP', () => {
  let server: Server;
  let url: string;
  const TOKEN = 'twilio-token-0000';
  before(async () => {
    const github = webhookHandler('github', { secrets: [SECRET] }, (hook) => Response.json(echo(hook)));
    const tw = webhookHandler('twilio', { secrets: [TOKEN], publicUrl: 'https://example.com/tw' }, (hook) =>
      Response.json({ id: hook.id }),
    );
    server = serve({
      fetch: (request: Request) => (new URL(request.url).pathname === '/tw' ? tw(request) : github(request)),
      port: 0,
      hostname: '127.0.0.1',
    }) as Server;
    url = await listening(server);
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verifies the raw bytes, answers handshakes and bad signatures', async () => {
    await exercise(`${url}/gh`);
  });

  it('uses publicUrl for URL-signing providers', async () => {
    const params = { CallSid: 'CA1', CallStatus: 'ringing' };
    const sig = twilio.getExpectedTwilioSignature(TOKEN, 'https://example.com/tw', params);
    const sent = await post(`${url}/tw`, new URLSearchParams(params).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': sig,
    });
    assert.deepEqual([sent.status, sent.json], [200, { id: 'CA1:ringing' }]);
  });
});
