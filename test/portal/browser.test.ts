import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'svix';
import { chromiumMissing, launchBrowser } from '../helpers/browser.ts';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';

// Outside CI a machine without chromium skips these; in CI (.ci/run installs it) they must run.
const skip = process.env.CI === 'true' ? false : (chromiumMissing() ?? false);

/** A page of another origin (the platform's own app) that frames the portal. */
async function framingSite(): Promise<{ origin: string; setFrame: (src: string) => void; stop: () => Promise<void> }> {
  let src = 'about:blank';
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><title>Platform</title><h1>Platform dashboard</h1><iframe title="Webhooks portal" src="${src}" width="1000" height="700"></iframe>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setFrame: (s) => {
      src = s.replace(/"/g, '&quot;');
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('customer portal in a real browser', { skip, timeout: 300_000 }, () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let browser: Browser;
  let allowed: Awaited<ReturnType<typeof framingSite>>;
  let refused: Awaited<ReturnType<typeof framingSite>>;
  const receiver = new Receiver(() => ({ status: 200, body: '{"ok":true}' }));
  // Down for the first two attempts (the message's whole schedule), up afterwards.
  const flaky = new Receiver((_r, n) => (n <= 2 ? { status: 503, body: 'down for maintenance' } : { status: 200 }));
  let link = '';

  /** A portal link for the application, on the gateway's real address. */
  async function portalLink(app: string, body: unknown = {}, extra = ''): Promise<string> {
    const res = await gw.api(`/auth/app-portal-access/${app}`, { method: 'POST', body: JSON.stringify(body) });
    assert.equal(res.status, 200);
    const url = new URL(((await res.json()) as { url: string }).url);
    return `${gw.url}${url.pathname}${url.search}${extra}${url.hash}`;
  }
  const send = async (eventId: string): Promise<string> => {
    const res = await gw.api('/app/acme/msg', {
      method: 'POST',
      body: JSON.stringify({ eventType: 'invoice.paid', eventId, payload: { type: 'invoice.paid', invoice: eventId } }),
    });
    assert.equal(res.status, 202);
    return ((await res.json()) as { id: string }).id;
  };

  before(async () => {
    await receiver.start();
    await flaky.start();
    allowed = await framingSite();
    refused = await framingSite();
    // Only acme may reach private addresses (the receiver is on loopback); the other tenant inherits nothing.
    gw = await startTestGateway(
      'allowPrivateNetworks: false\ndelivery: { retry: [1s] }\napplications:\n  acme: { name: Acme Corp, allowPrivateNetworks: true }\n  other: {}\n',
      { logLevel: 'warn' },
    );
    for (const [name, description] of [
      ['invoice.paid', 'An invoice was paid'],
      ['user.created', 'A user signed up'],
    ] as const) {
      const res = await gw.api('/event-type', {
        method: 'POST',
        body: JSON.stringify({
          name,
          description,
          schemas: { 1: { type: 'object', properties: { type: { type: 'string' } }, examples: [{ type: name, example: true }] } },
        }),
      });
      assert.equal(res.status, 201, await res.text());
    }
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await gw?.stop();
    await receiver.stop();
    await flaky.stop();
    await allowed?.stop();
    await refused?.stop();
  });

  let page: Page;
  test('the magic link opens the portal; an endpoint is added from the catalog', async () => {
    link = await portalLink('acme');
    assert.ok(!link.includes('sluice_portal_'), 'the bearer token is not in the link');
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (d) => void d.accept());
    await page.goto(link);
    await page.getByRole('heading', { name: 'Endpoints', exact: true }).waitFor();
    assert.ok(!page.url().includes('#key='), 'the key is wiped from the address bar');
    await page.getByRole('link', { name: 'Acme Corp' }).waitFor();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel('Description').fill('Billing receiver');
    await page.getByRole('checkbox', { name: /invoice\.paid/ }).check();
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByRole('heading', { name: receiver.url }).waitFor();
    const eps = (await (await gw.api('/app/acme/endpoint')).json()) as {
      data: Array<{ id: string; url: string; filterTypes: string[] | null }>;
    };
    assert.deepEqual(
      eps.data.map((e) => [e.url, e.filterTypes]),
      [[receiver.url, ['invoice.paid']]],
    );
    // A custom header every delivery carries; a forbidden one is refused with the reason.
    await page.getByLabel('Header name').fill('X-Api-Key');
    await page.getByLabel('Header value').fill('k-123');
    await page.getByRole('button', { name: 'Add header' }).click();
    await page
      .getByRole('button', { name: 'Remove header x-api-key' })
      .or(page.getByRole('button', { name: 'Remove header X-Api-Key' }))
      .waitFor();
    await page.getByLabel('Header name').fill('Host');
    await page.getByLabel('Header value').fill('evil.test');
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByRole('alert').filter({ hasText: /host/i }).waitFor();
  });

  test('a message arrives in the log, and Resend sends it again', async () => {
    await send('evt_portal_1');
    await receiver.waitFor(1);
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Logs' }).click();
    await page.getByRole('link', { name: 'evt_portal_1' }).click();
    await page.getByRole('heading', { name: /Message/ }).waitFor();
    await page.getByRole('cell', { name: 'succeeded' }).first().waitFor();
    await page.getByRole('button', { name: 'Resend' }).first().click();
    await page.getByRole('status').filter({ hasText: 'Resent' }).waitFor();
    await receiver.waitFor(2);
    assert.equal(receiver.requests[1]?.headers['webhook-id'], receiver.requests[0]?.headers['webhook-id'], 'the same message again');
    assert.equal(receiver.requests[0]?.headers['x-api-key'], 'k-123', 'the custom header set in the portal');
  });

  test('rotating the secret: the next delivery carries both signatures, each verified with the svix package', async () => {
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Endpoints' }).click();
    await page.getByRole('link', { name: receiver.url }).click();
    await page.getByRole('button', { name: 'Reveal secret' }).click();
    const before = (await page.getByLabel('Current signing secret').textContent())?.trim() ?? '';
    assert.match(before, /^whsec_/);
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('status').filter({ hasText: 'Secret rotated' }).waitFor();
    const afterSecret = await eventually(
      async () => {
        const t = (await page.getByLabel('Current signing secret').textContent())?.trim();
        return t && t !== before ? t : undefined;
      },
      10_000,
      'the new secret shown',
    );
    await send('evt_portal_2');
    await receiver.waitFor(3);
    const last = receiver.requests[2]!;
    const headers = Object.fromEntries(Object.entries(last.headers).map(([k, v]) => [k, String(v)]));
    assert.equal(headers['webhook-signature']?.split(' ').length, 2, 'two signatures during the overlap');
    for (const secret of [before, afterSecret]) {
      const verified = new Webhook(secret).verify(last.body.toString('utf8'), headers) as { invoice: string };
      assert.equal(verified.invoice, 'evt_portal_2');
    }
  });

  test("Send test event delivers the event type's example payload", async () => {
    const before = receiver.requests.length;
    await page.getByLabel('Event type').selectOption('invoice.paid');
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByRole('status').filter({ hasText: 'Test event sent' }).waitFor();
    await receiver.waitFor(before + 1);
    assert.deepEqual(JSON.parse(receiver.requests[before]!.body.toString('utf8')), { type: 'invoice.paid', example: true });
  });

  test("the transformation editor: the event type's example to test on, Test shows the result, Save makes the next delivery carry it", async () => {
    const eps = (await (await gw.api('/app/acme/endpoint')).json()) as { data: Array<{ id: string; url: string }> };
    const epId = eps.data.find((e) => e.url === receiver.url)?.id as string;
    const stored = async () => ((await (await gw.api(`/app/acme/endpoint/${epId}/transformation`)).json()) as { code: string | null }).code;
    const editor = page.getByRole('region', { name: 'Transformation', exact: true });
    const payload = editor.getByLabel('Test payload');
    await eventually(async () => ((await payload.inputValue()).includes('example') ? true : undefined), 10_000, 'the example payload');
    assert.deepEqual(JSON.parse(await payload.inputValue()), { type: 'invoice.paid', example: true });
    const source = "(webhook) => { webhook.payload.tenant = 'acme'; return webhook; }";
    await editor.getByLabel('Transformation code').fill(source);
    await editor.getByRole('button', { name: 'Test', exact: true }).click();
    await editor.getByRole('region', { name: 'Test result' }).getByLabel('Transformed payload').getByText('"tenant": "acme"').waitFor();
    assert.equal(await stored(), null, 'a test stores nothing');
    await editor.getByRole('button', { name: 'Save', exact: true }).click();
    await editor.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    assert.equal(await stored(), source);
    const before = receiver.requests.length;
    await send('evt_portal_transformed');
    await receiver.waitFor(before + 1);
    assert.deepEqual(JSON.parse(receiver.requests[before]!.body.toString('utf8')), {
      type: 'invoice.paid',
      invoice: 'evt_portal_transformed',
      tenant: 'acme',
    });
    await editor.getByRole('button', { name: 'Remove', exact: true }).click();
    await editor.getByRole('status').filter({ hasText: 'Removed' }).waitFor();
    assert.equal(await stored(), null);
  });

  test('a session without ManageTransformations sees no transformation editor, and the server refuses it', async () => {
    const eps = (await (await gw.api('/app/acme/endpoint')).json()) as { data: Array<{ id: string; url: string }> };
    const epId = eps.data.find((e) => e.url === receiver.url)?.id as string;
    const other = await browser.newPage();
    await other.goto(await portalLink('acme', { capabilities: ['ViewBase', 'ManageEndpoint', 'CreateAttempts'] }));
    await other.getByRole('link', { name: receiver.url }).click();
    // The panels after it are there, so the page is complete.
    await other.getByRole('button', { name: 'Send test event' }).waitFor();
    assert.equal(await other.getByRole('region', { name: 'Transformation', exact: true }).count(), 0);
    assert.equal(await other.getByLabel('Transformation code').count(), 0);
    // The session's own bearer, on the application the page itself uses.
    const refused = await other.evaluate(async (endpoint) => {
      const headers = { authorization: `Bearer ${sessionStorage.getItem('sluice-portal-session')}`, 'content-type': 'application/json' };
      const view = (await (await fetch('/api/v1/auth/portal-session', { headers })).json()) as { appId: string };
      const url = `/api/v1/app/${view.appId}/endpoint/${endpoint}/transformation`;
      return (await fetch(url, { method: 'PATCH', headers, body: JSON.stringify({ code: '(webhook) => webhook' }) })).status;
    }, epId);
    assert.equal(refused, 403);
    await other.close();
  });

  test('Recover shows how many failed deliveries it will send, then sends them', async () => {
    const ep = await gw.api('/app/acme/endpoint', {
      method: 'POST',
      body: JSON.stringify({ url: flaky.url, filterTypes: ['user.created'] }),
    });
    const flakyId = ((await ep.json()) as { id: string }).id;
    const sent = await gw.api('/app/acme/msg', {
      method: 'POST',
      body: JSON.stringify({ eventType: 'user.created', payload: { type: 'user.created' } }),
    });
    const msgId = ((await sent.json()) as { id: string }).id;
    await eventually(
      async () => {
        const ds = (await (await gw.api(`/app/acme/msg/${msgId}/endpoint`)).json()) as {
          data: Array<{ id: string; state?: string; status?: number }>;
        };
        return ds.data.some((d) => d.id === flakyId && d.state === 'dead') ? true : undefined;
      },
      20_000,
      'the delivery to the flaky endpoint given up',
    );
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Logs' }).click();
    await page.getByLabel('Endpoint').selectOption(flakyId);
    await page.getByRole('cell', { name: 'failed' }).first().waitFor();
    await page.getByRole('button', { name: 'Count failed deliveries' }).click();
    await page.getByRole('status').filter({ hasText: '1 failed delivery since then' }).waitFor();
    assert.equal(flaky.requests.length, 2, 'counting sends nothing');
    await page.getByRole('button', { name: 'Recover 1' }).click();
    await page.getByRole('status').filter({ hasText: 'Recovery started' }).waitFor();
    await flaky.waitFor(3, 20_000);
  });

  test('the link cannot be used again', async () => {
    const again = await browser.newPage();
    await again.goto(link);
    await again.getByRole('heading', { name: 'This link has expired' }).waitFor();
    await again.getByText('already opened once').waitFor();
    await again.close();
  });

  test('a read-only link hides what it may not do', async () => {
    const ro = await browser.newPage();
    await ro.goto(await portalLink('acme', { readOnly: true }));
    await ro.getByRole('heading', { name: 'Endpoints', exact: true }).waitFor();
    await ro.getByText('Read only').waitFor();
    assert.equal(await ro.getByRole('button', { name: 'Add endpoint' }).count(), 0);
    await ro.getByRole('link', { name: receiver.url }).click();
    await ro.getByRole('heading', { name: 'Health' }).waitFor();
    for (const name of ['Edit endpoint', 'Delete endpoint', 'Rotate secret', 'Send test event'])
      assert.equal(await ro.getByRole('button', { name }).count(), 0, name);
    assert.equal(await ro.getByLabel('Transformation code').count(), 0, 'no transformation editor');
    await ro.close();
  });

  test('an address on a private network is refused in plain words', async () => {
    const tenant = await browser.newPage();
    await tenant.goto(await portalLink('other'));
    await tenant.getByRole('button', { name: 'Add endpoint' }).click();
    await tenant.getByLabel('Endpoint URL').fill('http://10.1.2.3/hooks');
    await tenant.getByRole('button', { name: 'Create endpoint' }).click();
    await tenant.getByRole('alert').filter({ hasText: 'private or internal network' }).waitFor();
    assert.equal(await tenant.getByLabel('Endpoint URL').getAttribute('aria-invalid'), 'true');
    await tenant.close();
  });

  test('the endpoint form offers a flagged event type only to a link with its flag, and a retry schedule only where the operator allows it', async () => {
    const made = await gw.api('/event-type', {
      method: 'POST',
      body: JSON.stringify({ name: 'invoice.beta', description: 'Behind a flag', featureFlag: 'beta' }),
    });
    assert.equal(made.status, 201);
    const openForm = async (body: unknown) => {
      const tenant = await browser.newPage();
      await tenant.goto(await portalLink('other', body));
      await tenant.getByRole('button', { name: 'Add endpoint' }).click();
      await tenant.getByRole('checkbox', { name: /invoice\.paid/ }).waitFor();
      return tenant;
    };
    const plain = await openForm({});
    assert.equal(await plain.getByRole('checkbox', { name: /invoice\.beta/ }).count(), 0, 'the flagged type is hidden');
    assert.equal(await plain.getByLabel(/Retry schedule/).count(), 0, 'no schedule field unless allowed');
    await plain.close();

    const set = await gw.api('/app/other/portal-settings', { method: 'PUT', body: JSON.stringify({ allowRetrySchedule: true }) });
    assert.equal(set.status, 200);
    const beta = await openForm({ featureFlags: ['beta'] });
    await beta.getByLabel('Endpoint URL').fill('https://hooks.other.test/in');
    await beta.getByRole('checkbox', { name: /invoice\.beta/ }).check();
    await beta.getByLabel(/Retry schedule/).fill('10s, soon');
    await beta.getByRole('button', { name: 'Create endpoint' }).click();
    await beta.getByRole('alert').filter({ hasText: 'must be a duration' }).waitFor();
    await beta.getByLabel(/Retry schedule/).fill('10s, 1m');
    await beta.getByRole('button', { name: 'Create endpoint' }).click();
    await beta.getByRole('heading', { name: 'https://hooks.other.test/in' }).waitFor();
    const eps = (await (await gw.api('/app/other/endpoint')).json()) as {
      data: Array<{ url: string; filterTypes: string[] | null; retrySchedule: string[] | null }>;
    };
    assert.deepEqual(
      eps.data.filter((e) => e.url === 'https://hooks.other.test/in').map((e) => [e.filterTypes, e.retrySchedule]),
      [[['invoice.beta'], ['10s', '1m']]],
    );
    await beta.close();
  });

  test('the portal renders in an iframe of an allowed origin, dark, without navigation, at the deep link; another origin is refused', async () => {
    const set = await gw.api('/app/acme/portal-settings', {
      method: 'PUT',
      body: JSON.stringify({ frameAncestors: [allowed.origin], primaryColor: '#aa3300' }),
    });
    assert.equal(set.status, 200);
    allowed.setFrame(await portalLink('acme', {}, '&darkMode=true&hideNavigation=true&next=/catalog'));
    const host = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await host.goto(`${allowed.origin}/`);
    const frame = host.frameLocator('iframe[title="Webhooks portal"]');
    await frame.getByRole('heading', { name: 'Event catalog', exact: true }).waitFor();
    await frame.getByText('An invoice was paid').waitFor();
    assert.equal(await frame.getByRole('navigation', { name: 'Portal' }).count(), 0, 'hideNavigation');
    assert.equal(await frame.locator('html.portal-dark').count(), 1, 'darkMode');

    const refusals: string[] = [];
    const other = await browser.newPage();
    other.on('console', (m) => {
      if (/frame-ancestors/.test(m.text())) refusals.push(m.text());
    });
    refused.setFrame(await portalLink('acme'));
    await other.goto(`${refused.origin}/`);
    await eventually(() => (refusals.length > 0 ? true : undefined), 10_000, 'the browser refusing the frame');
    assert.equal(
      await other.frameLocator('iframe[title="Webhooks portal"]').getByRole('heading', { name: 'Endpoints', exact: true }).count(),
      0,
    );
    await host.close();
    await other.close();
  });

  test('a session ended by expire-all lands on the expired page', async () => {
    await page.getByRole('heading', { name: 'Logs', exact: true }).waitFor();
    assert.equal((await gw.api('/auth/app/acme/expire-all', { method: 'POST', body: '{}' })).status, 204);
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Endpoints' }).click();
    await page.getByRole('heading', { name: 'This link has expired' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'This link has expired' }).waitFor();
  });
});
