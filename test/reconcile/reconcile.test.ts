import assert from 'node:assert/strict';
import { sign } from '@octokit/webhooks-methods';
import { after, before, describe, test } from 'node:test';
import Stripe from 'stripe';
import { startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';
import { fakeGithub, fakeStripe, type GithubDelivery, type StripeEvent } from './fake-providers.ts';

const STRIPE_SECRET = 'whsec_recon_stripe_signing_secret';
const STRIPE_KEY = 'sk_test_reconcile_0123456789';
const GITHUB_SECRET = 'github-reconcile-secret';
const GITHUB_TOKEN = 'ghp_reconcile0123456789';
const ALERT_SECRET = 'whsec_cmVjb25jaWxlLWFsZXJ0LXNlY3JldC0wMTIzNDU2';

const nowSec = Math.floor(Date.now() / 1000);
const event = (n: number, type: string, agoSec: number): StripeEvent => ({
  id: `evt_recon_${n}`,
  object: 'event',
  type,
  created: nowSec - agoSec,
  data: { object: { id: `in_${n}`, object: 'invoice' } },
  api_version: '2024-06-20',
  livemode: false,
  pending_webhooks: 1,
  request: null,
});
const stripeEvents = [
  event(1, 'invoice.paid', 600),
  event(2, 'invoice.paid', 500),
  event(3, 'customer.created', 400),
  event(4, 'invoice.paid', 300),
  event(5, 'invoice.paid', 200),
  event(6, 'charge.refunded', 100), // not one of the types asked for
  event(7, 'invoice.paid', 3 * 86_400), // before the look-back
];
const delivery = (id: number, guid: string, agoSec: number, redelivery = false): GithubDelivery => ({
  id,
  guid,
  delivered_at: new Date((nowSec - agoSec) * 1000).toISOString(),
  redelivery,
  duration: 0.1,
  status: 'Invalid HTTP Response: 503',
  status_code: 503,
  event: 'issues',
  action: 'opened',
  installation_id: null,
  repository_id: 1,
  payload: { action: 'opened', issue: { node_id: `I_${guid}`, number: id } },
});
const githubDeliveries = [
  delivery(11, 'guid-a', 900),
  delivery(12, 'guid-b', 800),
  delivery(13, 'guid-c', 700),
  delivery(14, 'guid-b', 600, true),
  delivery(9, 'guid-old', 5 * 86_400),
];

describe('reconciliation through the official stripe and @octokit/rest clients against loopback APIs', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const endpoint = new Receiver();
  const alerts = new Receiver();
  const stripeApi = fakeStripe(stripeEvents, STRIPE_KEY);
  const githubApi = fakeGithub('acme', 'shop', 7, githubDeliveries, GITHUB_TOKEN);
  const stripe = new Stripe('sk_test_unused');

  const post = async (source: string, body: string, headers: Record<string, string>) => {
    const res = await fetch(`${gw.url}/in/${source}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
    assert.equal(res.status, 200, await res.text());
  };
  const run = async (source: string) => {
    const res = await gw.api(`/sources/${source}/reconcile`, { method: 'POST' });
    assert.equal(res.status, 200);
    return (await res.json()) as {
      id: string;
      state: string;
      checked: number;
      missing: number;
      ingested: number;
      missingIds: string[];
      errors: string[];
    };
  };

  before(async () => {
    await Promise.all([endpoint.start(), alerts.start(), stripeApi.start(), githubApi.start()]);
    gw = await startTestGateway(
      `
delivery: { pollInterval: 50ms }
alerts:
  evaluateInterval: 200ms
  channels:
    hook: { type: webhook, url: "${alerts.url}", secret: "${ALERT_SECRET}" }
  rules:
    - { name: gap, kind: reconcile-gap, scope: { source: stripe }, clearAfter: 1, channels: [hook] }
applications:
  shop:
    endpoints:
      - { id: a, url: "${endpoint.url}" }
sources:
  stripe:
    provider: stripe
    secret: ${STRIPE_SECRET}
    application: shop
    reconcile: { apiKey: ${STRIPE_KEY}, types: [invoice.paid, customer.created], lookback: 1d, interval: 1h, apiBase: "${stripeApi.base}" }
  github:
    provider: github
    secret: ${GITHUB_SECRET}
    application: shop
    reconcile: { token: ${GITHUB_TOKEN}, owner: acme, repo: shop, hookId: 7, lookback: 1d, interval: 1h, apiBase: "${githubApi.base}" }
  github-redeliver:
    provider: github
    secret: ${GITHUB_SECRET}
    application: shop
    reconcile: { token: ${GITHUB_TOKEN}, owner: acme, repo: shop, hookId: 7, lookback: 1d, interval: 1h, redeliver: true, apiBase: "${githubApi.base}" }
  plain:
    provider: hmac
    secret: s
    header: X-S
    application: shop
`,
      { logLevel: 'warn' },
    );
  });
  after(async () => {
    await gw?.stop();
    await Promise.all([endpoint.stop(), alerts.stop(), stripeApi.stop(), githubApi.stop()]);
  });

  test('Stripe: the events never received are ingested once, marked reconciled; the seen ones are not; the gap alert fires and resolves', async () => {
    // Two of the five arrived as real, signed webhooks.
    for (const e of [stripeEvents[0]!, stripeEvents[3]!]) {
      const payload = JSON.stringify(e);
      await post('stripe', payload, { 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET }) });
    }
    await endpoint.waitFor(2);
    const first = await run('stripe');
    assert.deepEqual([first.state, first.checked, first.missing, first.ingested, first.errors], ['succeeded', 5, 3, 3, []]);
    assert.deepEqual([...first.missingIds].sort(), ['evt_recon_2', 'evt_recon_3', 'evt_recon_5']);
    // What the official client asked for: the look-back, the types, pages after the 429 it was told to retry.
    const calls = stripeApi.requests.filter((r) => r.url.pathname === '/v1/events');
    assert.ok(calls.length >= 4, `a 429 and three pages (${calls.length} calls)`);
    const q = calls[1]!.url.searchParams;
    assert.ok(Math.abs(Number(q.get('created[gte]')) - (nowSec - 86_400)) < 120);
    assert.deepEqual(
      [...q.entries()].filter(([k]) => k.startsWith('types')).map(([, v]) => v),
      ['invoice.paid', 'customer.created'],
    );
    assert.ok(calls.slice(2).every((c) => c.url.searchParams.has('starting_after')));

    await endpoint.waitFor(5);
    const reconciled = endpoint.requests.slice(2).map((r) => [JSON.parse(r.body.toString()).id, r.headers['sluice-reconciled']]);
    assert.deepEqual(reconciled.map((r) => r[0]).sort(), ['evt_recon_2', 'evt_recon_3', 'evt_recon_5']);
    assert.ok(
      reconciled.every((r) => r[1] === 'true'),
      'marked reconciled',
    );
    const msgs = (await (await gw.api('/app/shop/msg?source=stripe')).json()) as { data: Array<{ eventId?: string; eventType: string }> };
    assert.equal(msgs.data.length, 5, 'each event stored once');

    await alerts.waitFor(1, 15_000);
    const fired = JSON.parse(alerts.requests[0]!.body.toString()) as { type: string; data: { ids: string[]; summary: string } };
    assert.equal(fired.type, 'alert.firing');
    assert.deepEqual([...fired.data.ids].sort(), ['evt_recon_2', 'evt_recon_3', 'evt_recon_5']);
    assert.match(fired.data.summary, /found 3 events/);

    const second = await run('stripe');
    assert.deepEqual([second.state, second.checked, second.missing, second.ingested], ['succeeded', 5, 0, 0]);
    await alerts.waitFor(2, 15_000);
    assert.equal(JSON.parse(alerts.requests[1]!.body.toString()).type, 'alert.resolved');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(endpoint.requests.length, 5, 'nothing ingested twice');
  });

  test('GitHub: a failed or unseen delivery has its payload fetched and ingested; redelivery by option; runs are listed', async () => {
    const before = endpoint.requests.length;
    const seenBody = JSON.stringify(githubDeliveries[0]!.payload);
    await post('github', seenBody, {
      'x-github-event': 'issues',
      'x-github-delivery': 'guid-a',
      'x-hub-signature-256': await sign(GITHUB_SECRET, seenBody),
    });
    const ghRun = await run('github');
    assert.deepEqual(
      [ghRun.state, ghRun.checked, ghRun.missing, ghRun.ingested],
      ['succeeded', 3, 2, 2],
      'guid-b twice (a redelivery) is one event; guid-old is outside the look-back',
    );
    assert.deepEqual([...ghRun.missingIds].sort(), ['guid-b', 'guid-c']);
    await endpoint.waitFor(before + 3);
    const got = endpoint.requests.slice(before + 1).map((r) => JSON.parse(r.body.toString()) as { issue: { number: number } });
    // guid-b's newest record (14, its redelivery) is the one fetched; it is the same event as 12.
    assert.deepEqual(got.map((p) => p.issue.number).sort(), [13, 14]);
    const msgs = (await (await gw.api('/app/shop/msg?source=github')).json()) as { data: Array<{ eventType: string }> };
    assert.deepEqual(
      msgs.data.map((m) => m.eventType),
      ['issues.opened', 'issues.opened', 'issues.opened'],
    );
    assert.equal((await run('github')).missing, 0);

    const redeliver = await run('github-redeliver');
    assert.deepEqual([redeliver.missing, redeliver.ingested], [3, 3]);
    assert.deepEqual([...githubApi.redelivered].sort(), [11, 13, 14], 'GitHub was asked to redeliver each missing one, once');

    const runs = (await (await gw.api('/reconcile/runs?source=github')).json()) as { data: Array<{ source: string; missing: number }> };
    assert.deepEqual(
      runs.data.map((r) => r.missing),
      [0, 2],
    );
    const all = (await (await gw.api('/reconcile/runs')).json()) as { data: unknown[] };
    assert.equal(all.data.length, 5);
  });

  test('bad requests: unknown source 404, a source without reconcile 409', async () => {
    assert.equal((await gw.api('/sources/nope/reconcile', { method: 'POST' })).status, 404);
    const plain = await gw.api('/sources/plain/reconcile', { method: 'POST' });
    assert.equal(plain.status, 409);
    assert.match(((await plain.json()) as { detail: string }).detail, /no reconcile/);
  });
});
