// Takes the screenshots in docs/console/ from a real gateway with some traffic:
//   node --import tsx test/console/screenshots.ts
// (not a test: run it by hand after changing the console, then look at the pictures).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { API_TOKEN, startTestGateway } from '../helpers/gateway.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { Receiver } from '../helpers/receiver.ts';

const out = join(import.meta.dirname, '..', '..', 'docs', 'console');
mkdirSync(out, { recursive: true });
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ok = await new Receiver(() => ({ status: 200, body: '{"ok":true}' })).start();
const failing = await new Receiver(() => ({ status: 500, body: 'upstream unavailable' })).start();
const gw = await startTestGateway(`
delivery: { retry: [1s, 1s], breaker: { failures: 1000 } }
alerts:
  evaluateInterval: 500ms
  channels:
    ops-hook: { type: webhook, url: "${ok.url}", secret: "${secret}" }
  rules:
    - { name: crm-failing, kind: endpoint-failure-rate, scope: { endpoint: crm }, threshold: 0.5, window: 5m, minAttempts: 2, channels: [ops-hook] }
    - { name: ledger-off, kind: endpoint-disabled, scope: { endpoint: ledger }, channels: [ops-hook], severity: warning }
    - { name: lagging, kind: queue-lag, threshold: 2m, channels: [ops-hook] }
applications:
  billing:
    endpoints:
      - { id: ledger, url: "${ok.url}" }
      - { id: crm, url: "${failing.url}", filterTypes: [invoice.failed], headers: { Authorization: "Bearer crm-api-key" } }
sources:
  stripe-demo:
    provider: standard-webhooks
    application: billing
    secret: ${secret}
`);
const wh = new Webhook(secret);
const send = async (i: number, type: string, forged = false) => {
  const body = JSON.stringify({ id: `evt_${1000 + i}`, type, data: { invoice: `in_${i}`, amount: 1200 + i, currency: 'eur' } });
  const id = `msg_demo_${i}`;
  const ts = new Date();
  const headers = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(ts.getTime() / 1000) - (forged ? 600 : 0)),
    'webhook-signature': wh.sign(id, ts, body),
  };
  await fetch(`${gw.url}/in/stripe-demo`, { method: 'POST', headers, body });
};
for (let i = 0; i < 24; i++) await send(i, i % 5 === 0 ? 'invoice.failed' : 'invoice.paid');
await send(99, 'invoice.paid', true);
await new Promise((r) => setTimeout(r, 4000));
await gw.gateway.flushCounters();

const browser = await launchBrowser();
for (const [scheme, suffix] of [
  ['light', ''],
  ['dark', '-dark'],
] as const) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, colorScheme: scheme });
  await page.goto(`${gw.url}/console/`);
  if (scheme === 'light') await page.screenshot({ path: join(out, 'sign-in.png') });
  await page.getByLabel('API token').fill(API_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.waitForTimeout(1500);
  await send(200, 'invoice.paid');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(out, `overview${suffix}.png`), fullPage: true });
  if (scheme === 'dark') break;
  await page.goto(`${gw.url}/console/messages?eventType=invoice.failed`);
  await page.getByRole('table').waitFor();
  await page.screenshot({ path: join(out, 'messages.png'), fullPage: true });
  await page.getByRole('table').getByRole('link').first().click();
  await page.getByRole('heading', { name: /Message/ }).waitFor();
  await page.waitForTimeout(800);
  // The failing endpoint's attempt: its Authorization header shows as redacted.
  const attempt = page
    .getByRole('article', { name: `Delivery to ${failing.url}` })
    .getByRole('list', { name: 'Attempts' })
    .getByRole('listitem')
    .first();
  await attempt.getByText('Request headers sent').click();
  await attempt.getByText('Response headers').click();
  await page.screenshot({ path: join(out, 'message.png'), fullPage: true });
  // The failing endpoint's deliveries are dead only after their last retry (1 s, 1 s); its breaker never opens here.
  for (let i = 0; i < 30; i++) {
    await page.goto(`${gw.url}/console/messages?deliveryState=dead`);
    if ((await page.getByRole('table').count()) > 0) break;
    await page.waitForTimeout(1000);
  }
  await page.getByRole('table').waitFor();
  await page.getByRole('region', { name: 'Bulk retry' }).getByRole('button', { name: 'Retry all matching…' }).click();
  await page.getByRole('status', { name: 'Bulk retry estimate' }).waitFor();
  await page.screenshot({ path: join(out, 'bulk-retry.png') });
  await page.getByRole('button', { name: /^Retry \d+ deliver/ }).click();
  await page.getByRole('status', { name: 'Bulk retry report' }).waitFor({ timeout: 20_000 });
  await page.screenshot({ path: join(out, 'bulk-retry-report.png') });
  for (const [path, name] of [
    ['/rejected', 'rejected'],
    ['/dead-letters', 'dead-letters'],
    ['/sources', 'sources'],
    ['/applications', 'applications'],
    ['/alerts', 'alerts'],
  ]) {
    await page.goto(`${gw.url}/console${path}`);
    await page.waitForTimeout(800);
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
  }
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'light' });
  await phone.context().addCookies(await page.context().cookies());
  await phone.goto(`${gw.url}/console/`);
  await phone.waitForTimeout(1500);
  await phone.screenshot({ path: join(out, 'overview-phone.png'), fullPage: true });
}
await browser.close();
await gw.stop();
await ok.stop();
await failing.stop();
