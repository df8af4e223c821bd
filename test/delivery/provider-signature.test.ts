import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHmac } from 'node:crypto';
import { verify as verifyGithub, sign as signGithub } from '@octokit/webhooks-methods';
import { verifyRequestSignature } from '@slack/events-api';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import { Webhook as Svix2Webhook } from 'svix2';
import { API_TOKEN, eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver, type Received } from '../helpers/receiver.ts';

const stripe = new Stripe('sk_test_unused');
const STRIPE_SECRET = 'whsec_stripe_test_secret_0123456789';
const CLERK_SECRET = 'whsec_Y2xlcmstc2VjcmV0LWZvci10ZXN0cy0xMjM0NTY=';
const GITHUB_SECRET = 'gh-secret-resign';
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const ENDPOINT_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
/** Long enough that a request signed 6 minutes ago, past every provider's 5-minute tolerance, is still let in. */
const SIGNED_AGO_MS = 6 * 60_000;

const flat = (r: Received): Record<string, string> => Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)]));

describe('providerSignature: forward, resign, drop — unchanged provider handlers behind Sluice, also on replays', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const resign = new Receiver();
  const forward = new Receiver();
  const drop = new Receiver();

  before(async () => {
    await Promise.all([resign.start(), forward.start(), drop.start()]);
    const ep = (id: string, r: Receiver, mode?: string) =>
      `      - id: ${id}\n        url: ${r.url}\n        secret: ${ENDPOINT_SECRET}\n${mode ? `        providerSignature: ${mode}\n` : ''}`;
    gw = await startTestGateway(
      `
delivery: { retry: [100ms], pollInterval: 50ms }
applications:
  shop:
    endpoints:
${ep('resign', resign)}${ep('forward', forward, 'forward')}${ep('drop', drop, 'drop')}
sources:
  stripe: { provider: stripe, secret: ${STRIPE_SECRET}, tolerance: 10m, application: shop }
  clerk: { provider: clerk, secret: "${CLERK_SECRET}", tolerance: 10m, application: shop }
  github: { provider: github, secrets: [${GITHUB_SECRET}, gh-old-secret], application: shop }
  slack: { provider: slack, secret: ${SLACK_SECRET}, tolerance: 10m, application: shop }
  tokened: { provider: token, secret: tok-3x4mple-s3cret, header: X-Token, application: shop }
  gitlab: { provider: gitlab, secret: gl-t0ken, application: shop }
`,
      { logLevel: 'warn' },
    );
  });
  after(async () => {
    await gw?.stop();
    await Promise.all([resign.stop(), forward.stop(), drop.stop()]);
  });

  const post = (source: string, body: string, headers: Record<string, string>) =>
    fetch(`${gw.url}/in/${source}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const replay = (id: string) =>
    fetch(`${gw.url}/api/v1/app/shop/msg/${id}/replay`, { method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}` } });
  const waitAll = (n: number) => Promise.all([resign.waitFor(n), forward.waitFor(n), drop.waitFor(n)]);

  test('Stripe: constructEvent accepts every resigned attempt past the tolerance; a forwarded one is refused; drop sends none', async () => {
    const payload = JSON.stringify({ id: 'evt_resign_1', type: 'invoice.paid', created: 1_700_000_000, data: { object: { id: 'in_1' } } });
    const signedAt = Math.floor((Date.now() - SIGNED_AGO_MS) / 1000);
    const original = stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET, timestamp: signedAt });
    const res = await post('stripe', payload, {
      'stripe-signature': original,
      'svix-id': 'msg_spoofed',
      'x-http-method-override': 'DELETE',
      'x-original-url': '/admin',
    });
    assert.equal(res.status, 200);
    const { id } = (await res.json()) as { id: string };
    await waitAll(1);

    const event = stripe.webhooks.constructEvent(
      resign.requests[0]!.body.toString('utf8'),
      String(resign.requests[0]!.headers['stripe-signature']),
      STRIPE_SECRET,
    );
    assert.equal(event.id, 'evt_resign_1');
    assert.notEqual(resign.requests[0]!.headers['stripe-signature'], original);
    assert.equal(forward.requests[0]!.headers['stripe-signature'], original);
    assert.throws(() => stripe.webhooks.constructEvent(forward.requests[0]!.body.toString('utf8'), original, STRIPE_SECRET), /tolerance/i);
    assert.equal(drop.requests[0]!.headers['stripe-signature'], undefined);
    for (const r of [resign, forward, drop]) {
      const got = r.requests[0]!;
      assert.equal(got.headers['svix-id'], undefined, "a sender's svix-* never goes out");
      assert.equal(got.headers['x-http-method-override'], undefined);
      assert.equal(got.headers['x-original-url'], undefined);
      new SvixWebhook(ENDPOINT_SECRET).verify(got.body.toString('utf8'), flat(got));
      new Svix2Webhook(ENDPOINT_SECRET).verify(got.body.toString('utf8'), flat(got));
    }
    const stored = await gw.gateway.store.getMessage((await gw.gateway.store.getApplication('shop'))!.id, id);
    assert.deepEqual(Object.keys(stored!.headers), ['stripe-signature']);

    // A replay later still passes the handler's own 5-minute check: it is signed at its own attempt time.
    // Once the first attempts are recorded (a delivery in flight is not replayed over).
    await eventually(async () => {
      const list = (await (await gw.api(`/app/shop/msg/${id}/endpoint`)).json()) as { data: Array<{ state: string }> };
      return list.data.length === 3 && list.data.every((d) => d.state === 'succeeded') ? true : undefined;
    });
    const replayed = await replay(id);
    assert.equal(replayed.status, 202);
    assert.deepEqual(await replayed.json(), { queued: 3 });
    await resign.waitFor(2);
    const again = resign.requests[1]!;
    const t = Number(/t=(\d+)/.exec(String(again.headers['stripe-signature']))?.[1]);
    assert.ok(t * 1000 > Date.now() - 60_000, 'signed at the replay, not when Stripe signed');
    assert.equal(
      stripe.webhooks.constructEvent(again.body.toString('utf8'), String(again.headers['stripe-signature']), STRIPE_SECRET).id,
      'evt_resign_1',
    );
  });

  test("Clerk (Svix sender): the source secret joins Sluice's own signature; the sender's svix-* never go out", async () => {
    const payload = JSON.stringify({ type: 'user.created', data: { id: 'user_1' } });
    const at = new Date(Date.now() - SIGNED_AGO_MS);
    const signature = new SvixWebhook(CLERK_SECRET).sign('msg_clerk_1', at, payload);
    const before = resign.requests.length;
    const res = await post('clerk', payload, {
      'svix-id': 'msg_clerk_1',
      'svix-timestamp': String(Math.floor(at.getTime() / 1000)),
      'svix-signature': signature,
    });
    assert.equal(res.status, 200);
    await Promise.all([resign.waitFor(before + 1), forward.waitFor(forward.requests.length + 1)]);
    const got = resign.requests[before]!;
    for (const name of ['svix-id', 'svix-timestamp', 'svix-signature']) assert.equal(got.headers[name], undefined);
    // An unchanged Clerk handler (svix package, Clerk's secret) and a Sluice one (endpoint secret) both verify it.
    assert.deepEqual(new SvixWebhook(CLERK_SECRET).verify(got.body.toString('utf8'), flat(got)), JSON.parse(payload));
    new Svix2Webhook(CLERK_SECRET).verify(got.body.toString('utf8'), flat(got));
    new StandardWebhook(CLERK_SECRET).verify(got.body.toString('utf8'), flat(got));
    new StandardWebhook(ENDPOINT_SECRET).verify(got.body.toString('utf8'), flat(got));
    const forwarded = forward.requests.at(-1)!;
    assert.throws(
      () => new SvixWebhook(CLERK_SECRET).verify(forwarded.body.toString('utf8'), flat(forwarded)),
      "forward carries only Sluice's signature",
    );
  });

  test('Slack: @slack/events-api verifies the resigned attempt past its 5-minute window; the forwarded one it refuses', async () => {
    const payload = JSON.stringify({
      type: 'event_callback',
      event_id: 'Ev_resign_1',
      event_time: 1_700_000_000,
      event: { type: 'message', channel: 'C1' },
    });
    const ts = String(Math.floor((Date.now() - SIGNED_AGO_MS) / 1000));
    // Slack signs as its docs say; the receiving side below is Slack's own package.
    const signature = `v0=${createHmac('sha256', SLACK_SECRET).update(`v0:${ts}:${payload}`).digest('hex')}`;
    const n = resign.requests.length;
    const m = forward.requests.length;
    const res = await post('slack', payload, { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts, 'x-slack-retry-num': '1' });
    assert.equal(res.status, 200);
    await Promise.all([resign.waitFor(n + 1), forward.waitFor(m + 1)]);
    const check = (r: Received) =>
      verifyRequestSignature({
        signingSecret: SLACK_SECRET,
        requestSignature: String(r.headers['x-slack-signature']),
        requestTimestamp: Number(r.headers['x-slack-request-timestamp']),
        body: r.body.toString('utf8'),
      });
    assert.equal(check(resign.requests[n]!), true);
    assert.equal(resign.requests[n]!.headers['x-slack-retry-num'], '1');
    assert.throws(() => check(forward.requests[m]!), /outdated/);
  });

  test('GitHub: resigned with the first secret, verified by @octokit/webhooks-methods; event and delivery headers travel on', async () => {
    const payload = JSON.stringify({ action: 'opened', issue: { node_id: 'I_1', number: 1 }, repository: { node_id: 'R_1' } });
    const n = resign.requests.length;
    const res = await post('github', payload, {
      'x-github-event': 'issues',
      'x-github-delivery': 'd-resign-1',
      'x-hub-signature-256': await signGithub('gh-old-secret', payload),
    });
    assert.equal(res.status, 200);
    await Promise.all([resign.waitFor(n + 1), forward.waitFor(n + 1)]);
    const got = resign.requests[n]!;
    assert.equal(got.headers['x-github-event'], 'issues');
    assert.equal(got.headers['x-github-delivery'], 'd-resign-1');
    assert.ok(await verifyGithub(GITHUB_SECRET, got.body.toString('utf8'), String(got.headers['x-hub-signature-256'])));
    assert.ok(
      await verifyGithub(
        'gh-old-secret',
        forward.requests[n]!.body.toString('utf8'),
        String(forward.requests[n]!.headers['x-hub-signature-256']),
      ),
    );
  });

  test('credentials a source authenticates with are neither forwarded nor stored', async () => {
    const app = (await gw.gateway.store.getApplication('shop'))!.id;
    const n = resign.requests.length;
    const tok = await post('tokened', '{"a":1}', { 'x-token': 'tok-3x4mple-s3cret', 'webhook-id': 'spoof', 'x-original-url': '/x' });
    const gl = await post('gitlab', JSON.stringify({ object_kind: 'push', project: { id: 9 } }), {
      'x-gitlab-token': 'gl-t0ken',
      'x-gitlab-event': 'Push Hook',
      cookie: 'a=b',
    });
    assert.equal(tok.status, 200);
    assert.equal(gl.status, 200);
    await resign.waitFor(n + 2);
    const sent = resign.requests.slice(n);
    for (const r of sent) {
      assert.equal(r.headers['x-token'], undefined);
      assert.equal(r.headers['x-gitlab-token'], undefined);
      assert.equal(r.headers.cookie, undefined);
      assert.notEqual(r.headers['webhook-id'], 'spoof');
    }
    assert.ok(sent.some((r) => r.headers['x-gitlab-event'] === 'Push Hook'));
    const ids = [((await tok.json()) as { id: string }).id, ((await gl.json()) as { id: string }).id];
    const stored = await Promise.all(ids.map((id) => eventually(() => gw.gateway.store.getMessage(app, id).then((m) => m ?? undefined))));
    assert.deepEqual(
      stored.map((m) => m.headers),
      [{}, { 'x-gitlab-event': 'Push Hook' }],
    );
  });

  test('the API takes and shows providerSignature; an unknown value is a 422', async () => {
    const api = (path: string, init: RequestInit = {}) => gw.api(path, init);
    const made = await api('/app/shop/endpoint', {
      method: 'POST',
      body: JSON.stringify({ url: 'http://127.0.0.1:9/x', uid: 'api-ep', providerSignature: 'drop' }),
    });
    assert.equal(made.status, 201);
    assert.equal(((await made.json()) as { providerSignature: string }).providerSignature, 'drop');
    const patched = await api('/app/shop/endpoint/api-ep', { method: 'PATCH', body: JSON.stringify({ providerSignature: 'forward' }) });
    assert.equal(((await patched.json()) as { providerSignature: string }).providerSignature, 'forward');
    const plain = await api('/app/shop/endpoint', { method: 'POST', body: JSON.stringify({ url: 'http://127.0.0.1:9/y' }) });
    assert.equal(((await plain.json()) as { providerSignature: string }).providerSignature, 'resign');
    const bad = await api('/app/shop/endpoint/api-ep', { method: 'PATCH', body: JSON.stringify({ providerSignature: 'sometimes' }) });
    assert.equal(bad.status, 422);
    assert.match(((await bad.json()) as { detail: string }).detail, /providerSignature/);
    await api('/app/shop/endpoint/api-ep', { method: 'DELETE' });
  });
});
