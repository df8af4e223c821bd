import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import { getHmac } from '@shopify/shopify-api/test-helpers';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import twilio from 'twilio';
import { listFixtures } from '../../src/fixtures/catalog.ts';
import { runCli } from './harness.ts';
import { API_TOKEN, eventually, startTestGateway, tempDir } from '../helpers/gateway.ts';
import { STD_SECRET } from '../helpers/signing.ts';

const SECRETS = {
  stripe: 'whsec_stripe_trigger_test_secret_0001',
  github: 'github-trigger-secret',
  shopify: 'shopify-client-secret-0001',
  slack: '8f742231b10e8888abcd99yyyzzz85a5',
  twilio: '12345678901234567890123456789012',
  'standard-webhooks': STD_SECRET,
} as const;
type Provider = keyof typeof SECRETS;

const stripe = new Stripe('sk_test_sluice');

/** Checks one printed request with the provider's own package (Slack publishes none for Node outside Bolt). */
async function verifiedByProvider(provider: Provider, req: { url: string; headers: Record<string, string>; body: string }): Promise<void> {
  const h = req.headers;
  switch (provider) {
    case 'stripe':
      assert.ok(stripe.webhooks.constructEvent(req.body, h['stripe-signature'] as string, SECRETS.stripe).id);
      return;
    case 'github':
      assert.equal(await octokitVerify(SECRETS.github, req.body, h['x-hub-signature-256'] as string), true);
      return;
    case 'shopify':
      assert.equal(h['x-shopify-hmac-sha256'], getHmac(req.body, SECRETS.shopify));
      return;
    case 'twilio':
      assert.equal(
        twilio.validateRequest(
          SECRETS.twilio,
          h['x-twilio-signature'] as string,
          req.url,
          Object.fromEntries(new URLSearchParams(req.body)),
        ),
        true,
      );
      return;
    case 'standard-webhooks':
      assert.ok(new Webhook(STD_SECRET).verify(req.body, h));
      return;
    case 'slack':
      return;
  }
}

describe('sluice trigger and fixtures', () => {
  const tmp = tempDir();
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let configFile: string;
  const sources = Object.entries(SECRETS)
    .map(([p, secret]) => `  ${p}: { provider: ${p}, secret: "${secret}", application: shop }`)
    .join('\n');

  before(async () => {
    gw = await startTestGateway(`applications:\n  shop: {}\nsources:\n${sources}\n`);
    // The CLI reads the sources' secrets from the same config the gateway runs.
    configFile = join(tmp.dir, 'sluice.yaml');
    writeFileSync(configFile, `apiToken: ${API_TOKEN}\napplications:\n  shop: {}\nsources:\n${sources}\n`);
  });
  after(async () => {
    await gw.stop();
    tmp.remove();
  });

  it("every fixture: the printed request verifies with the provider's own package and the matching source accepts those bytes", async () => {
    const all = listFixtures();
    assert.ok(all.length >= 20, `fixtures: ${all.length}`);
    const queue = [...all];
    const worker = async (): Promise<void> => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        const run = await runCli([
          'trigger',
          f.provider,
          f.event,
          '--print',
          '--format',
          'json',
          '--config',
          configFile,
          '--server',
          gw.url,
        ]);
        assert.equal(run.code, 0, `${f.provider} ${f.event}: ${run.stderr}`);
        const req = JSON.parse(run.stdout.trim()) as { method: string; url: string; headers: Record<string, string>; body: string };
        assert.equal(req.url, `${gw.url}/in/${f.provider}`);
        await verifiedByProvider(f.provider as Provider, req);
        const res = await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body });
        const answer = await res.text();
        assert.equal(res.status, 200, `${f.provider} ${f.event}: ${answer}`);
        if (f.event === 'url_verification') assert.match(answer, /"challenge":"[A-Za-z0-9]{24}"/);
        else if (f.event !== 'ping') assert.match(answer, /"id":"msg_/, `${f.provider} ${f.event}: ${answer}`);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
  });

  it('sends with fresh ids (a repeat is no duplicate), applies --override/--add/--remove, prints JSON lines', async () => {
    const run = await runCli([
      'trigger',
      'stripe',
      'invoice.paid',
      '--repeat',
      '2',
      '--config',
      configFile,
      '--server',
      gw.url,
      '--format',
      'json',
      '--override',
      'data.object.amount_paid=4200',
      '--add',
      'data.object.metadata.order=A-17',
      '--remove',
      'data.object.customer_email',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: number; msgId: string; body: { duplicate?: boolean } });
    assert.equal(lines.length, 2);
    assert.ok(lines.every((l) => l.status === 200 && l.msgId.startsWith('msg_') && l.body.duplicate === undefined));
    assert.notEqual(lines[0]?.msgId, lines[1]?.msgId);
    const app = (await (await gw.api('/app/shop')).json()) as { id: string };
    const msg = await eventually(async () => {
      const res = await gw.api(`/app/${app.id}/msg/${lines[0]?.msgId}`);
      return res.status === 200
        ? ((await res.json()) as { eventType: string; payload: { data: { object: Record<string, unknown> } } })
        : undefined;
    });
    assert.equal(msg.eventType, 'invoice.paid');
    assert.equal(msg.payload.data.object.amount_paid, 4200);
    assert.deepEqual(msg.payload.data.object.metadata, { order: 'A-17' });
    assert.equal('customer_email' in msg.payload.data.object, false);
  });

  it('human line shape, usage errors exit 2, a refused request exits 1', async () => {
    const ok = await runCli(['trigger', 'github', 'push', '--config', configFile, '--server', gw.url, '--color', 'never']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^\[200\] POST http:\/\/127\.0\.0\.1:\d+\/in\/github {2}github\/push {2}\{"id":"msg_\w+"\}\n$/);
    const unknown = await runCli(['trigger', 'stripe', 'no.such.event', '--secret', 'x', '--server', gw.url]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no stripe fixture no\.such\.event; known: charge\.refunded/);
    assert.equal(
      (await runCli(['trigger', 'stripe', 'invoice.paid', '--config', configFile, '--override', 'data.nope=1', '--server', gw.url])).code,
      2,
    );
    assert.equal((await runCli(['trigger', 'stripe', 'invoice.paid', '--repeat', '0', '--secret', 'x'])).code, 2);
    assert.equal((await runCli(['trigger', 'stripe', 'invoice.paid', '--format', 'yaml', '--secret', 'x'])).code, 2);
    const wrong = await runCli([
      'trigger',
      'stripe',
      'invoice.paid',
      '--source',
      'stripe',
      '--secret',
      'whsec_wrong',
      '--server',
      gw.url,
      '--color',
      'never',
    ]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /^\[401\] POST/);
    assert.match(wrong.stderr, /1 of 1 request was not accepted/);
    const list = await runCli(['fixtures', 'stripe', '--format', 'json']);
    assert.equal(list.code, 0);
    assert.deepEqual(
      list.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { event: string }).event).length,
      8,
    );
  });

  it("POST /api/v1/source/{name}/test-event signs with the source's secret and goes through ingest; 4xx for what it cannot do", async () => {
    for (const name of Object.keys(SECRETS)) {
      const res = await gw.api(`/source/${name}/test-event`, { method: 'POST', body: '{}' });
      const body = (await res.json()) as { status: number; msgId?: string; body: unknown };
      assert.equal(res.status, 200);
      assert.equal(body.status, 200, `${name}: ${JSON.stringify(body)}`);
      assert.match(body.msgId ?? '', /^msg_/);
    }
    const named = (await (await gw.api('/source/stripe/test-event', { method: 'POST', body: '{"event":"charge.refunded"}' })).json()) as {
      msgId: string;
    };
    const app = (await (await gw.api('/app/shop')).json()) as { id: string };
    const msg = (await (await gw.api(`/app/${app.id}/msg/${named.msgId}`)).json()) as { eventType: string };
    assert.equal(msg.eventType, 'charge.refunded');
    const unknownSource = await gw.api('/source/nope/test-event', { method: 'POST', body: '{}' });
    assert.equal(unknownSource.status, 404);
    assert.match(((await unknownSource.json()) as { detail: string }).detail, /no source named "nope"/);
    const unknownEvent = await gw.api('/source/stripe/test-event', { method: 'POST', body: '{"event":"x.y"}' });
    assert.equal(unknownEvent.status, 422);
    assert.match(((await unknownEvent.json()) as { detail: string }).detail, /no stripe test event "x\.y"; known: /);
    const badBody = await gw.api('/source/stripe/test-event', { method: 'POST', body: '{"event":7}' });
    assert.equal(badBody.status, 422);
    const noAuth = await fetch(`${gw.url}/api/v1/source/stripe/test-event`, { method: 'POST' });
    assert.equal(noAuth.status, 401);
  });
});
