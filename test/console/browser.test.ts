import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { SESSION_COOKIE } from '../../src/auth/console-session.ts';
import { chromiumMissing, launchBrowser } from '../helpers/browser.ts';
import { API_TOKEN, eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
// Outside CI a machine without chromium skips these; in CI (.ci/run installs it) they must run.
const skip = process.env.CI === 'true' ? false : (chromiumMissing() ?? false);

describe('console in a real browser', { skip, timeout: 240_000 }, () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let browser: Browser;
  const ok = new Receiver(() => ({ status: 200, body: '{"ok":true}' }));
  const failing = new Receiver(() => ({ status: 503, body: 'down for maintenance' }));
  const hook = new Receiver();
  const wh = new Webhook(SECRET);
  let n = 0;

  /** A webhook signed by the standardwebhooks package, sent to the gateway's real ingest route. */
  async function send(type: string, opts: { forgeWith?: string } = {}): Promise<{ eventId: string; status: number; msgId?: string }> {
    n++;
    const eventId = `evt_browser_${n}_${randomBytes(3).toString('hex')}`;
    const body = JSON.stringify({ type, data: { n, note: `payload number ${n}` } });
    const signer = opts.forgeWith ? new Webhook(opts.forgeWith) : wh;
    const at = new Date();
    const res = await fetch(`${gw.url}/in/demo`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': eventId,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signer.sign(eventId, at, body),
      },
      body,
    });
    const out = (await res.json()) as { id?: string };
    return { eventId, status: res.status, ...(out.id ? { msgId: out.id } : {}) };
  }

  async function signedIn(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${gw.url}/console/`);
    await page.getByLabel('API token').fill(API_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    return page;
  }

  before(async () => {
    await ok.start();
    await failing.start();
    await hook.start();
    gw = await startTestGateway(
      `
alerts:
  evaluateInterval: 200ms
  channels:
    hook: { type: webhook, url: "${hook.url}", secret: "${SECRET}" }
  rules:
    - { name: spare-off, kind: endpoint-disabled, scope: { endpoint: spare }, clearAfter: 1, channels: [hook], severity: warning }
delivery: { retry: [30s, 30s] }
applications:
  billing:
    endpoints:
      - { id: ledger, url: "${ok.url}", filterTypes: [invoice.paid] }
      - { id: crm, url: "${failing.url}", filterTypes: [invoice.failed, invoice.voided, invoice.overdue] }
      - { id: spare, url: "${ok.url}", filterTypes: [never.sent] }
sources:
  demo:
    provider: standard-webhooks
    application: billing
    secret: ${SECRET}
`,
      { logLevel: 'warn' },
    );
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await gw?.stop();
    await ok.stop();
    await failing.stop();
    await hook.stop();
  });

  test('GET / goes to the console; a wrong token gets a clear message, the right one signs in, Sign out signs out', async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.url}/`);
    assert.match(page.url(), /\/console\/$/);
    await page.getByLabel('API token').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    await page.getByLabel('API token').fill(API_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const cookie = (await page.context().cookies()).find((c) => c.name === SESSION_COOKIE);
    assert.ok(cookie?.httpOnly, 'the session cookie is HttpOnly');
    assert.equal(cookie?.sameSite, 'Strict');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    // Signed out on the server too: the old cookie no longer opens the API.
    const res = await fetch(`${gw.url}/api/v1/auth/me`, { headers: { cookie: `${SESSION_COOKIE}=${cookie?.value}` } });
    assert.equal(res.status, 401);
    await page.close();
  });

  test('a webhook signed with standardwebhooks shows in the live stream within 2 s without reload, and the counters move', async () => {
    const page = await signedIn();
    await page.getByRole('status', { name: 'Stream Live' }).waitFor({ timeout: 10_000 });
    const received = page.getByRole('group', { name: 'Received', exact: true }).locator('.counter-value');
    await eventually(async () => ((await received.textContent()) !== '…' ? true : undefined), 10_000, 'the counters');
    const before = Number((await received.textContent())?.replace(/,/g, ''));
    const sent = await send('invoice.paid');
    assert.equal(sent.status, 200);
    await page
      .getByRole('list', { name: 'Live events' })
      .getByRole('link', { name: sent.msgId as string })
      .first()
      .waitFor({ timeout: 2_000 });
    await eventually(
      async () => (Number((await received.textContent())?.replace(/,/g, '')) > before ? true : undefined),
      20_000,
      'the Received counter to move',
    );
    await page.close();
  });

  test('a message page shows its payload and its attempts; Retry on a failing delivery makes a new attempt', async () => {
    const sent = await send('invoice.failed');
    await failing.waitFor(1);
    const page = await signedIn();
    await page.goto(`${gw.url}/console/messages/${sent.msgId}`);
    await page.getByRole('heading', { name: `Message ${sent.msgId}` }).waitFor();
    await page.getByLabel('Payload, pretty-printed').getByText(`"note": "payload number`).waitFor();
    await page.getByRole('button', { name: 'Raw' }).click();
    const raw = await page.getByLabel('Payload, raw bytes').textContent();
    assert.match(raw ?? '', /^\{"type":"invoice.failed","data":\{"n":\d+,"note":"payload number \d+"\}\}$/);
    const delivery = page.getByRole('article', { name: `Delivery to ${failing.url}` });
    const attempts = delivery.getByRole('list', { name: 'Attempts' }).getByRole('listitem');
    await eventually(async () => ((await attempts.count()) === 1 ? true : undefined), 10_000, 'the first attempt');
    await delivery.getByText('503').first().waitFor();
    const first = attempts.first();
    await first.getByText('Request headers sent').click();
    await first.getByLabel('Request headers sent').getByText('webhook-signature').waitFor();
    await first.getByText('Response headers').click();
    await first.getByLabel('Response headers').getByText('date', { exact: true }).waitFor();
    const requestsBefore = failing.requests.length;
    await delivery.getByRole('button', { name: 'Retry' }).click();
    await failing.waitFor(requestsBefore + 1);
    await eventually(async () => ((await attempts.count()) === 2 ? true : undefined), 15_000, 'a second attempt on the page');
    await page.close();
  });

  test('a forged request appears under Rejected with its reason in plain words', async () => {
    const forged = await send('invoice.paid', { forgeWith: 'whsec_dGhpcyBpcyBub3QgdGhlIHJpZ2h0IHNlY3JldA==' });
    assert.equal(forged.status, 401);
    await gw.gateway.flushCounters();
    const page = await signedIn();
    await page.getByRole('link', { name: 'Rejected' }).click();
    await page.getByRole('heading', { name: 'Rejected requests' }).waitFor();
    await page.getByRole('note').filter({ hasText: 'no signature matches: the secret may have been rotated' }).first().waitFor();
    await page.close();
  });

  test('filters live in the URL and survive a reload', async () => {
    const seen = failing.requests.length;
    await send('invoice.failed');
    await failing.waitFor(seen + 1);
    const page = await signedIn();
    await page.getByRole('link', { name: 'Messages' }).click();
    await page.getByLabel('Event type').fill('invoice.failed');
    await page.getByLabel('Delivery status').selectOption('scheduled');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await eventually(() => (page.url().includes('deliveryState=scheduled') ? true : undefined), 5_000, 'the URL');
    await page.reload();
    assert.equal(await page.getByLabel('Event type').inputValue(), 'invoice.failed');
    assert.equal(await page.getByLabel('Delivery status').inputValue(), 'scheduled');
    const rows = page.getByRole('table').getByRole('row');
    await eventually(async () => ((await rows.count()) > 1 ? true : undefined), 10_000, 'the filtered rows');
    for (const text of await page.getByRole('table').locator('tbody tr').allTextContents()) assert.match(text, /invoice\.failed/);
    await page.goBack();
    await eventually(() => (!page.url().includes('deliveryState') ? true : undefined), 5_000, 'back to the unfiltered list');
    await page.close();
  });

  test('bulk retry over a filter touches exactly the filtered items', async () => {
    const typeOf = (r: { body: Buffer }) => (JSON.parse(r.body.toString()) as { type: string }).type;
    const seen = failing.requests.length;
    const inside = [await send('invoice.voided'), await send('invoice.voided'), await send('invoice.voided')];
    const outside = [await send('invoice.overdue'), await send('invoice.overdue')];
    await failing.waitFor(seen + 5);
    const store = gw.gateway.store;
    const attemptsOf = async (msgId: string) => {
      const m = await store.findMessage(msgId);
      return (await store.listAttempts({ appId: m?.appId as string, messageId: msgId, limit: 50 })).data.length;
    };
    // Every first attempt is stored (and its delivery scheduled for a retry) before the count is asked for.
    await eventually(
      async () =>
        (await Promise.all([...inside, ...outside].map((s) => attemptsOf(s.msgId as string)))).every((n) => n === 1) ? true : undefined,
      10_000,
      'the first attempts',
    );

    const page = await signedIn();
    await page.getByRole('link', { name: 'Messages' }).click();
    await page.getByLabel('Event type').fill('invoice.voided');
    await page.getByLabel('Delivery status').selectOption('scheduled');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const bulk = page.getByRole('region', { name: 'Bulk retry' });
    await bulk.getByRole('button', { name: 'Retry all matching…' }).click();
    await bulk.getByRole('status', { name: 'Bulk retry estimate' }).filter({ hasText: 'This retries 3 scheduled deliveries' }).waitFor();
    assert.equal(failing.requests.length, seen + 5, 'counting touches nothing');
    await bulk.getByRole('button', { name: 'Retry 3 deliveries' }).click();
    await bulk
      .getByRole('status', { name: 'Bulk retry report' })
      .filter({ hasText: 'succeeded: 3 deliveries queued' })
      .waitFor({ timeout: 20_000 });
    await failing.waitFor(seen + 8);
    await eventually(
      async () => ((await Promise.all(inside.map((s) => attemptsOf(s.msgId as string)))).every((n) => n === 2) ? true : undefined),
      10_000,
      'a second attempt of each filtered message',
    );
    const after = failing.requests.slice(seen).map(typeOf);
    assert.equal(after.filter((t) => t === 'invoice.voided').length, 6, 'each filtered message was sent once more');
    assert.equal(after.filter((t) => t === 'invoice.overdue').length, 2, 'the messages outside the filter were not');
    for (const s of outside) assert.equal(await attemptsOf(s.msgId as string), 1);
    await page.close();
  });

  test('the Alerts page shows the rules, what fires now and the recent firings with their notifications', async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
    const rule = page.getByRole('table', { name: 'Alert rules' }).getByRole('row').filter({ hasText: 'spare-off' });
    await rule.getByRole('cell', { name: 'endpoint-disabled' }).waitFor();
    await rule.getByRole('cell', { name: 'ok', exact: true }).waitFor();
    await page.getByText('Nothing is firing.').waitFor();

    const patch = (disabled: boolean) => gw.api('/app/billing/endpoint/spare', { method: 'PATCH', body: JSON.stringify({ disabled }) });
    assert.equal((await patch(true)).status, 200);
    await hook.waitFor(1, 20_000);
    const current = page.getByRole('list', { name: 'Current alerts' }).getByRole('listitem').filter({ hasText: 'spare-off' });
    await current.waitFor({ timeout: 15_000 });
    await rule.getByText('firing').waitFor();
    await page
      .getByRole('list', { name: 'Recent firings' })
      .getByRole('listitem')
      .filter({ hasText: 'spare-off' })
      .filter({ hasText: 'hook: sent' })
      .first()
      .waitFor({ timeout: 15_000 });

    assert.equal((await patch(false)).status, 200);
    await hook.waitFor(2, 20_000);
    await page.getByText('Nothing is firing.').waitFor({ timeout: 15_000 });
    await page.getByRole('list', { name: 'Recent firings' }).getByRole('listitem').filter({ hasText: 'resolved' }).first().waitFor();
    await page.close();
  });

  test("Send test event on the Sources page signs a sample with the source's secret and it goes through ingest to a message", async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: 'Sources' }).click();
    const row = page.getByRole('row').filter({ hasText: 'standard-webhooks' });
    await row.getByRole('button', { name: 'Send test event' }).click();
    const status = row.getByRole('status', { name: 'Test event to demo' });
    await status.filter({ hasText: 'ingest answered 200' }).waitFor({ timeout: 10_000 });
    const msgId = (await status.getByRole('link').textContent()) ?? '';
    assert.match(msgId, /^msg_/);
    const stored = await gw.gateway.store.findMessage(msgId);
    assert.equal(stored?.source, 'demo');
    assert.equal(stored?.state, 'accepted', "it passed the source's own signature check");
    await status.getByRole('link', { name: msgId }).click();
    await page.getByRole('heading', { name: `Message ${msgId}` }).waitFor();
    await page.close();
  });

  test('the transformation editor: Test shows the transformed payload, Save makes the receiver get it, Remove clears it; a syntax error is shown and not saved', async () => {
    const stored = async () =>
      (await (await gw.api('/app/billing/endpoint/ledger/transformation')).json()) as { code: string | null; enabled: boolean };
    const page = await signedIn();
    let acceptDialogs = true;
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void (acceptDialogs ? d.accept() : d.dismiss());
    });
    await page.getByRole('link', { name: 'Applications' }).click();
    await page.getByRole('heading', { name: 'Applications and endpoints' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'ledger' }).getByRole('button', { name: 'Transformation' }).click();
    const editor = page.getByRole('region', { name: 'Transformation of ledger' });
    const code = editor.getByLabel('Transformation code');
    await code.waitFor();
    // No event type is declared through the API here, so the sample is the empty object.
    assert.equal(await editor.getByLabel('Test payload').inputValue(), '{}');
    const source = '(webhook) => { webhook.payload = { ...webhook.payload, transformed: true }; return webhook; }';
    await code.fill(source);
    await editor.getByLabel('Test payload').fill('{"type":"invoice.paid","data":{"n":0}}');
    await editor.getByRole('button', { name: 'Test', exact: true }).click();
    const result = editor.getByRole('region', { name: 'Test result' });
    await result.getByLabel('Transformed payload').getByText('"transformed": true').waitFor();
    const shown = (await result.textContent()) ?? '';
    assert.ok(shown.includes('POST') && shown.includes(ok.url), 'the method and URL it would be sent with');
    assert.equal((await stored()).code, null, 'a test stores nothing');

    await editor.getByRole('button', { name: 'Save', exact: true }).click();
    await editor.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const saved = await stored();
    assert.equal(saved.code, source);
    assert.equal(saved.enabled, true);
    const seen = ok.requests.length;
    const sent = await send('invoice.paid');
    assert.equal(sent.status, 200);
    await ok.waitFor(seen + 1);
    const body = JSON.parse(ok.requests[seen]!.body.toString('utf8')) as { type: string; transformed?: boolean };
    assert.equal(body.type, 'invoice.paid');
    assert.equal(body.transformed, true, 'the receiver got the transformed payload');

    await editor.getByRole('button', { name: 'Remove', exact: true }).click();
    await editor.getByRole('status').filter({ hasText: 'Removed' }).waitFor();
    assert.equal((await stored()).code, null);
    assert.equal(await code.inputValue(), '');

    await code.fill('(webhook) => { return webhook');
    await editor.getByRole('button', { name: 'Test', exact: true }).click();
    await editor.getByRole('alert').filter({ hasText: 'does not compile: SyntaxError' }).waitFor();
    // Save tests first and asks; declining saves nothing.
    acceptDialogs = false;
    const asked = dialogs.length;
    await editor.getByRole('button', { name: 'Save', exact: true }).click();
    await eventually(() => (dialogs.length > asked ? true : undefined), 10_000, 'Save asking about the failing test');
    assert.match(dialogs[asked] ?? '', /does not compile/);
    await eventually(async () => ((await editor.getByRole('button', { name: 'Save', exact: true }).isEnabled()) ? true : undefined));
    assert.equal((await stored()).code, null, 'the broken function was not saved');
    await page.close();
  });

  test("the Sources page's transformation editor runs a source's code on a test payload", async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: 'Sources' }).click();
    await page.getByRole('row').filter({ hasText: 'standard-webhooks' }).getByRole('button', { name: 'Transformation' }).click();
    const editor = page.getByRole('region', { name: 'Transformation of demo' });
    await editor
      .getByLabel('Transformation code')
      .fill("(webhook) => { webhook.eventType = 'renamed.' + webhook.payload.type; return webhook; }");
    await editor.getByLabel('Test payload').fill('{"type":"invoice.paid"}');
    await editor.getByRole('button', { name: 'Test', exact: true }).click();
    await editor.getByRole('region', { name: 'Test result' }).getByText('renamed.invoice.paid').waitFor();
    assert.equal(await editor.getByRole('button', { name: 'Remove', exact: true }).count(), 0, 'nothing to remove');
    await page.close();
  });

  test('a read-only (viewer) session sees no action buttons, and the server refuses the action', async () => {
    const sent = await send('invoice.failed');
    // A session the server reports as a viewer (on this branch the config's only token is admin; scoped viewer tokens come with the security work).
    const cookie = randomBytes(32).toString('base64url');
    await gw.gateway.store.createConsoleSession({
      idHash: createHash('sha256').update(cookie).digest('hex'),
      name: 'auditor',
      role: 'viewer',
      applications: null,
      createdAt: Date.now(),
      expiresAt: Date.now() + 3_600_000,
    });
    const context = await browser.newContext();
    await context.addCookies([{ name: SESSION_COOKIE, value: cookie, url: gw.url, httpOnly: true, sameSite: 'Strict' }]);
    const page = await context.newPage();
    await page.goto(`${gw.url}/console/messages/${sent.msgId}`);
    await page.getByRole('heading', { name: `Message ${sent.msgId}` }).waitFor();
    await page.getByText('auditor · viewer').waitFor();
    await page.getByRole('article').first().waitFor();
    assert.equal(await page.getByRole('button', { name: 'Retry' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Replay' }).count(), 0);
    const refused = await page.evaluate(
      async (url) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status,
      `${gw.url}/api/v1/app/${(await gw.gateway.store.findMessage(sent.msgId as string))?.appId}/msg/${sent.msgId}/replay`,
    );
    assert.equal(refused, 403);
    await page.goto(`${gw.url}/console/messages?deliveryState=scheduled`);
    await page.getByRole('button', { name: 'Apply filters' }).waitFor();
    await page.getByRole('table').waitFor();
    assert.equal(await page.getByRole('region', { name: 'Bulk retry' }).count(), 0, 'no bulk retry for a viewer');
    await page.goto(`${gw.url}/console/dead-letters`);
    await page.getByRole('heading', { name: 'Dead letters and quarantine' }).waitFor();
    assert.equal(await page.getByRole('button', { name: /Retry every dead delivery/ }).count(), 0);
    const bulkRefused = await page.evaluate(
      async (url) =>
        (
          await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ action: 'retry', filter: {}, dryRun: true }),
          })
        ).status,
      `${gw.url}/api/v1/bulk-jobs`,
    );
    assert.equal(bulkRefused, 403);
    // A transformation is shown to a viewer read-only, with nothing to press.
    const spareCode = '(webhook) => webhook';
    const set = await gw.api('/app/billing/endpoint/spare/transformation', { method: 'PATCH', body: JSON.stringify({ code: spareCode }) });
    assert.equal(set.status, 204);
    await page.goto(`${gw.url}/console/applications`);
    await page.getByRole('row').filter({ hasText: 'spare' }).getByRole('button', { name: 'Transformation' }).click();
    const editor = page.getByRole('region', { name: 'Transformation of spare' });
    const code = editor.getByLabel('Transformation code');
    await eventually(async () => ((await code.inputValue()) === spareCode ? true : undefined), 10_000, 'the code shown');
    assert.equal(await code.getAttribute('readonly'), '');
    assert.equal(await editor.getByRole('button').count(), 0, 'no Test, Save or Remove for a viewer');
    const patchRefused = await page.evaluate(
      async (url) =>
        (await fetch(url, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: null }) }))
          .status,
      `${gw.url}/api/v1/app/billing/endpoint/spare/transformation`,
    );
    assert.equal(patchRefused, 403);
    await context.close();
  });
});
