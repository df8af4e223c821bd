import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sign } from '@octokit/webhooks-methods';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { CATALOGUE, statusesOf, type Surface } from '../../src/error-catalogue.ts';
import { API_TOKEN, startTestGateway } from '../helpers/gateway.ts';

/**
 * The HTTP surface driven in-process with Fastify's `inject()`: the real app of
 * a real gateway over a temporary SQLite file, without a socket per request,
 * so each case costs a function call. The real-socket tests stay where they
 * are; these cover the answers every client meets first.
 */

const VIEWER = 'viewer-token-inject-0123456';
const GITHUB_SECRET = 'gh-inject-secret-9Qw';

const BODY_KEYS: Record<Surface, [string, string]> = { api: ['code', 'detail'], ingest: ['error', 'reason'] };

/** An error answer: JSON in its surface's shape, with the status the catalogue gives its code. */
function assertError(res: LightMyRequestResponse, surface: Surface, code: string): string {
  assert.match(String(res.headers['content-type']), /^application\/json/, res.body);
  const body = res.json() as Record<string, unknown>;
  const [codeKey, textKey] = BODY_KEYS[surface];
  assert.deepEqual(Object.keys(body), [codeKey, textKey], res.body);
  assert.equal(body[codeKey], code, res.body);
  const entry = CATALOGUE[surface][code];
  assert.ok(entry, `${code} is in the ${surface} catalogue`);
  assert.ok(statusesOf(entry).includes(res.statusCode), `${code} answered ${res.statusCode}: ${res.body}`);
  return body[textKey] as string;
}

describe('HTTP surface in process (inject)', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let app: FastifyInstance;
  const api = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, token = API_TOKEN) =>
    app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
    });

  before(async () => {
    gw = await startTestGateway(
      `
auth:
  failedAuthPerMinute: 0
  tokens:
    - { name: dash, token: ${VIEWER}, role: viewer }
ingest:
  maxBodySize: 4KiB
applications:
  shop: {}
sources:
  gh:
    provider: github
    secret: ${GITHUB_SECRET}
    application: shop
`,
      { logLevel: 'silent' },
    );
    app = gw.gateway.app;
  });
  after(() => gw.stop());

  test('auth: no token and a wrong token are 401, a viewer changing something is 403, all in the Svix shape', async () => {
    const none = await app.inject({ method: 'GET', url: '/api/v1/app' });
    assert.equal(assertError(none, 'api', 'authentication_failed'), 'missing Authorization: Bearer <token> header');
    const wrong = await api('GET', '/app', undefined, 'not-a-token-of-this-gateway');
    assert.equal(assertError(wrong, 'api', 'authentication_failed'), 'invalid API token');
    const viewer = await api('POST', '/app', { name: 'Nope' }, VIEWER);
    assert.match(assertError(viewer, 'api', 'forbidden'), /read-only/);
    assert.equal((await api('GET', '/app', undefined, VIEWER)).statusCode, 200, 'a viewer reads');
  });

  test('validation: 422 naming the field; invalid JSON 400; an unread content type 415', async () => {
    const missing = await api('POST', '/app', { uid: 'no-name' });
    assert.match(assertError(missing, 'api', 'validation'), /^body\.name: /);
    const extra = await api('POST', '/app', { name: 'A', colour: 'red' });
    assert.match(assertError(extra, 'api', 'validation'), /^body: must NOT have additional properties/);
    const badUrl = await api('POST', '/app/shop/endpoint', { url: 'not a url' });
    assert.match(assertError(badUrl, 'api', 'validation'), /^body\.url: /);
    const broken = await api('POST', '/app', '{"name": ');
    assert.match(assertError(broken, 'api', 'invalid_json'), /^the body is not valid JSON: /);
    const xml = await app.inject({
      method: 'POST',
      url: '/api/v1/app',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/xml' },
      payload: '<app/>',
    });
    assertError(xml, 'api', 'FST_ERR_CTP_INVALID_MEDIA_TYPE');
  });

  test('unknown routes: 404 in the API shape under /api/v1, in the ingest shape elsewhere and under /in', async () => {
    assert.equal(assertError(await api('GET', '/no-such-route'), 'api', 'not_found'), 'no route GET /api/v1/no-such-route');
    const outside = await app.inject({ method: 'GET', url: '/no-such-page?x=1' });
    assert.equal(assertError(outside, 'ingest', 'not_found'), 'no route GET /no-such-page');
    const source = await app.inject({ method: 'POST', url: '/in/nope', payload: '{}' });
    assert.equal(assertError(source, 'ingest', 'unknown_source'), 'no source named "nope"');
    const method = await app.inject({ method: 'GET', url: '/in/gh' });
    assert.equal(assertError(method, 'ingest', 'method_not_allowed'), '/in/gh accepts POST only');
    assert.equal(method.headers.allow, 'POST');
  });

  test('body too large: 413 on the API and on ingest, each in its shape', async () => {
    const big = JSON.stringify({ eventType: 'a.b', payload: { pad: 'x'.repeat(5000) } });
    assertError(await api('POST', '/app/shop/msg', big), 'api', 'payload_too_large');
    const ingest = await app.inject({ method: 'POST', url: '/in/gh', headers: { 'content-type': 'application/json' }, payload: big });
    assertError(ingest, 'ingest', 'payload_too_large');
  });

  test('applications and endpoints: create, read, update, list, delete, then 404', async () => {
    const made = await api('POST', '/app', { name: 'Acme', uid: 'acme' });
    assert.equal(made.statusCode, 201, made.body);
    const application = made.json() as { id: string; uid: string; name: string };
    assert.equal(application.uid, 'acme');
    assert.equal((await api('POST', '/app', { name: 'Acme again', uid: 'acme' })).statusCode, 409);
    assert.equal((await api('GET', `/app/${application.id}`)).json().name, 'Acme', 'an application is found by id as by uid');
    const renamed = await api('PATCH', '/app/acme', { name: 'Acme Inc' });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.equal(renamed.json().name, 'Acme Inc');

    const ep = await api('POST', '/app/acme/endpoint', { url: 'https://example.com/hooks', uid: 'main', filterTypes: ['invoice.paid'] });
    assert.equal(ep.statusCode, 201, ep.body);
    const endpoint = ep.json() as { id: string; uid: string; url: string; filterTypes: string[] };
    assert.deepEqual([endpoint.uid, endpoint.url, endpoint.filterTypes], ['main', 'https://example.com/hooks', ['invoice.paid']]);
    const patched = await api('PATCH', '/app/acme/endpoint/main', { description: 'the main one' });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().description, 'the main one');
    const list = await api('GET', '/app/acme/endpoint');
    assert.deepEqual(
      (list.json() as { data: Array<{ id: string }> }).data.map((e) => e.id),
      [endpoint.id],
    );
    assert.match((await api('GET', `/app/acme/endpoint/${endpoint.id}/secret`)).json().key, /^whsec_/);

    assert.equal((await api('DELETE', '/app/acme/endpoint/main')).statusCode, 204);
    assert.equal(assertError(await api('GET', '/app/acme/endpoint/main'), 'api', 'not_found'), 'endpoint "main" not found');
    assert.equal((await api('DELETE', '/app/acme')).statusCode, 204);
    assert.equal(assertError(await api('GET', '/app/acme'), 'api', 'not_found'), 'application "acme" not found');
  });

  test('ingest: a bad GitHub signature is 401 {error, reason} and stores nothing; a good one is stored', async () => {
    const body = JSON.stringify({ action: 'opened', issue: { node_id: 'I_inject', number: 3 }, repository: { node_id: 'R_inject' } });
    const headers = (signature: string, delivery: string) => ({
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-github-delivery': delivery,
      'x-hub-signature-256': signature,
    });
    const forged = await app.inject({
      method: 'POST',
      url: '/in/gh',
      headers: headers(await sign('another-secret', body), 'd-inject-forged'),
      payload: body,
    });
    assert.equal(forged.statusCode, 401);
    assert.ok(assertError(forged, 'ingest', 'signature_invalid').length > 0);
    const none = await api('GET', '/app/shop/msg/d-inject-forged');
    assertError(none, 'api', 'not_found');

    const good = await app.inject({
      method: 'POST',
      url: '/in/gh',
      headers: headers(await sign(GITHUB_SECRET, body), 'd-inject-good'),
      payload: body,
    });
    assert.equal(good.statusCode, 200, good.body);
    const { id } = good.json() as { id: string };
    assert.match(id, /^msg_/);
    const stored = await api('GET', `/app/shop/msg/${id}`);
    assert.equal(stored.statusCode, 200, stored.body);
    const message = stored.json() as { eventId: string; eventType: string; payload: unknown };
    assert.deepEqual([message.eventId, message.eventType, message.payload], ['d-inject-good', 'issues.opened', JSON.parse(body)]);
  });
});
