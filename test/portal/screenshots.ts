// Takes the screenshots in docs/portal/ from a real gateway with some traffic:
//   node --import tsx test/portal/screenshots.ts
// (not a test: run it by hand after changing the portal, then look at the pictures).
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startTestGateway } from '../helpers/gateway.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { Receiver } from '../helpers/receiver.ts';

const out = join(import.meta.dirname, '..', '..', 'docs', 'portal');
mkdirSync(out, { recursive: true });
const ok = await new Receiver(() => ({ status: 200, body: '{"ok":true}' })).start();
const failing = await new Receiver((_r, n) => (n % 3 === 0 ? { status: 500, body: 'upstream unavailable' } : { status: 200 })).start();
const gw = await startTestGateway('delivery: { retry: [1s] }\napplications:\n  acme: { name: Acme Corp }\n', { logLevel: 'silent' });
const types = [
  ['invoice.paid', 'An invoice was paid in full', { type: 'invoice.paid', data: { invoice: 'in_1042', amount: 1200, currency: 'eur' } }],
  [
    'invoice.failed',
    'A payment attempt for an invoice failed',
    { type: 'invoice.failed', data: { invoice: 'in_1043', reason: 'card_declined' } },
  ],
  [
    'customer.created',
    'A customer account was created',
    { type: 'customer.created', data: { customer: 'cus_77', email: 'ada@example.com' } },
  ],
] as const;
for (const [name, description, example] of types) {
  await gw.api('/event-type', {
    method: 'POST',
    body: JSON.stringify({
      name,
      description,
      schemas: {
        1: {
          type: 'object',
          required: ['type', 'data'],
          properties: { type: { const: name }, data: { type: 'object' } },
          examples: [example],
        },
      },
    }),
  });
}
await gw.api('/app/acme/endpoint', {
  method: 'POST',
  body: JSON.stringify({ url: ok.url, description: 'Billing service', filterTypes: ['invoice.paid', 'invoice.failed'] }),
});
await gw.api('/app/acme/endpoint', { method: 'POST', body: JSON.stringify({ url: failing.url, description: 'CRM sync' }) });
await gw.api('/app/acme/portal-settings', {
  method: 'PUT',
  body: JSON.stringify({ displayName: 'Acme Corp webhooks', primaryColor: '#0f766e' }),
});
for (let i = 0; i < 18; i++) {
  const [name, , example] = types[i % 3]!;
  await gw.api('/app/acme/msg', {
    method: 'POST',
    body: JSON.stringify({ eventType: name, eventId: `evt_${2000 + i}`, payload: example }),
  });
}
await new Promise((r) => setTimeout(r, 3000));

const link = async (extra = ''): Promise<string> => {
  const url = new URL(
    ((await (await gw.api('/auth/app-portal-access/acme', { method: 'POST', body: '{}' })).json()) as { url: string }).url,
  );
  return `${gw.url}${url.pathname}${url.search}${extra}${url.hash}`;
};
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
await page.goto(await link());
await page.getByRole('heading', { name: 'Endpoints', exact: true }).waitFor();
await page.screenshot({ path: join(out, 'endpoints.png') });
await page.getByRole('button', { name: 'Add endpoint' }).click();
await page.getByLabel('Endpoint URL').fill('https://hooks.example.com/acme');
await page.getByRole('checkbox', { name: /invoice\.paid/ }).check();
await page.screenshot({ path: join(out, 'new-endpoint.png') });
await page.getByRole('link', { name: failing.url }).click();
await page.getByRole('heading', { name: 'Health' }).waitFor();
await page.waitForTimeout(500);
await page.screenshot({ path: join(out, 'endpoint.png'), fullPage: true });
await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Logs' }).click();
await page.getByRole('link', { name: 'evt_2017' }).waitFor();
await page.screenshot({ path: join(out, 'logs.png') });
await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Event catalog' }).click();
await page.getByRole('heading', { name: 'invoice.paid' }).waitFor();
await page.screenshot({ path: join(out, 'catalog.png') });
const reused = await browser.newPage({ viewport: { width: 900, height: 500 } });
const used = await link();
await (await browser.newPage()).goto(used);
await new Promise((r) => setTimeout(r, 1500));
await reused.goto(used);
await reused.getByRole('heading', { name: 'This link has expired' }).waitFor();
await reused.screenshot({ path: join(out, 'expired.png') });

// Embedded in a platform's page, dark and without the portal's own navigation.
const platform = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(
    `<!doctype html><body style="margin:0;font:14px system-ui;background:#0b0f19;color:#e5e7eb"><div style="padding:12px 20px;border-bottom:1px solid #1f2937"><b>Platform dashboard</b> · Settings › Webhooks</div><iframe title="Webhooks portal" src="${frame}" style="border:0;width:100%;height:780px"></iframe></body>`,
  );
});
let frame = '';
await new Promise<void>((r) => platform.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${(platform.address() as AddressInfo).port}`;
await gw.api('/app/acme/portal-settings', {
  method: 'PUT',
  body: JSON.stringify({ displayName: 'Acme Corp webhooks', primaryColor: '#0f766e', frameAncestors: [origin] }),
});
frame = (await link('&darkMode=true&hideNavigation=true&next=/logs')).replace(/"/g, '&quot;');
const host = await browser.newPage({ viewport: { width: 1280, height: 860 } });
await host.goto(origin);
await host.frameLocator('iframe').getByRole('heading', { name: 'Logs' }).waitFor();
await host.waitForTimeout(500);
await host.screenshot({ path: join(out, 'embedded-dark.png') });

await browser.close();
platform.close();
await gw.stop();
await ok.stop();
await failing.stop();
console.log(`screenshots in ${out}`);
