import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';

type Gw = Awaited<ReturnType<typeof startTestGateway>>;
const keyOf = (url: string): string => decodeURIComponent(new URL(url).hash.replace(/^#key=/, ''));

const as = (base: string, token: string, path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${base}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });

/** A portal session (the one-time key of a portal-access URL exchanged) for `app`. */
async function session(gw: Gw, app: string, body: unknown = {}): Promise<string> {
  const res = await gw.api(`/auth/app-portal-access/${app}`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  const { url } = (await res.json()) as { url: string };
  const exchanged = await fetch(`${gw.url}/api/v1/auth/portal-session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: keyOf(url) }),
  });
  assert.equal(exchanged.status, 201);
  return ((await exchanged.json()) as { token: string }).token;
}

const names = async (res: Response): Promise<string[]> => {
  assert.equal(res.status, 200);
  return ((await res.json()) as { data: Array<{ name: string }> }).data.map((e) => e.name).sort();
};
const detail = async (res: Response): Promise<string> => ((await res.json()) as { detail: string }).detail;

describe('portal feature flags', () => {
  let gw: Gw;
  before(async () => {
    gw = await startTestGateway('applications:\n  shop: {}\n', { logLevel: 'silent' });
    for (const body of [
      { name: 'order.paid', description: 'for everyone' },
      { name: 'order.beta', description: 'behind a flag', featureFlag: 'beta' },
      // svix 2.x's list form of the same thing.
      { name: 'order.labs', featureFlags: ['labs'] },
    ]) {
      assert.equal((await gw.api('/event-type', { method: 'POST', body: JSON.stringify(body) })).status, 201);
    }
  });
  after(async () => gw?.stop());

  test('an event type with a feature flag is hidden from a session without it, shown to one with it; operators see every one', async () => {
    const plain = await session(gw, 'shop');
    const beta = await session(gw, 'shop', { featureFlags: ['beta', 'beta'] });
    assert.deepEqual(await names(await as(gw.url, plain, '/event-type')), ['order.paid']);
    assert.deepEqual(await names(await as(gw.url, beta, '/event-type?with_content=true')), ['order.beta', 'order.paid']);
    assert.deepEqual(await names(await gw.api('/event-type')), ['order.beta', 'order.labs', 'order.paid']);

    const hidden = await as(gw.url, plain, '/event-type/order.beta');
    assert.equal(hidden.status, 404, 'a hidden type is, to the session, one that does not exist');
    assert.match(await detail(hidden), /event type "order\.beta"/);
    assert.equal((await as(gw.url, beta, '/event-type/order.beta')).status, 200);
    assert.equal((await as(gw.url, beta, '/event-type/order.labs')).status, 404);
    assert.equal((await gw.api('/event-type/order.labs')).status, 200);

    // The bearer token of the access answer carries its flags as the session made from it does.
    const access = await gw.api('/auth/app-portal-access/shop', { method: 'POST', body: JSON.stringify({ featureFlags: ['labs'] }) });
    const { token } = (await access.json()) as { token: string };
    assert.deepEqual(await names(await as(gw.url, token, '/event-type')), ['order.labs', 'order.paid']);
  });

  test('a portal session may not subscribe an endpoint to a type hidden from it (422 naming it); operators and flagged sessions may', async () => {
    const plain = await session(gw, 'shop');
    const beta = await session(gw, 'shop', { featureFlags: ['beta'] });
    const url = 'https://hooks.shop.test/in';
    const create = (token: string, body: Record<string, unknown>) =>
      as(gw.url, token, '/app/shop/endpoint', { method: 'POST', body: JSON.stringify({ url, ...body }) });

    const refused = await create(plain, { filterTypes: ['order.paid', 'order.beta'] });
    assert.equal(refused.status, 422);
    assert.equal(await detail(refused), 'body.filterTypes: event type "order.beta" is not available in this portal');
    const refused2x = await create(plain, { eventTypes: ['order.labs'] });
    assert.equal(refused2x.status, 422);
    assert.match(await detail(refused2x), /^body\.eventTypes: event type "order\.labs"/);

    const mine = await create(plain, { filterTypes: ['order.paid'] });
    assert.equal(mine.status, 201);
    const { id } = (await mine.json()) as { id: string };
    const patch = (token: string, body: Record<string, unknown>) =>
      as(gw.url, token, `/app/shop/endpoint/${id}`, { method: 'PATCH', body: JSON.stringify(body) });
    assert.equal((await patch(plain, { filterTypes: ['order.paid', 'order.beta'] })).status, 422);
    assert.equal((await patch(beta, { filterTypes: ['order.paid', 'order.beta'] })).status, 200);
    // What the endpoint already has (here set by a session that could see it) stays when sent back.
    assert.equal((await patch(plain, { filterTypes: ['order.paid', 'order.beta'], description: 'kept' })).status, 200);
    assert.equal((await patch(plain, { description: 'still kept' })).status, 200);
    const put = await as(gw.url, plain, `/app/shop/endpoint/${id}`, {
      method: 'PUT',
      body: JSON.stringify({ url, filterTypes: ['order.labs'] }),
    });
    assert.equal(put.status, 422);

    assert.equal((await create(beta, { filterTypes: ['order.beta'] })).status, 201);
    assert.equal(
      (await gw.api('/app/shop/endpoint', { method: 'POST', body: JSON.stringify({ url, filterTypes: ['order.labs'] }) })).status,
      201,
    );
    // A type that does not exist is not a hidden one: endpoints may name types before they are declared, as before.
    assert.equal((await create(plain, { filterTypes: ['order.future'] })).status, 201);

    const example = await as(gw.url, plain, `/app/shop/endpoint/${id}/send-example`, {
      method: 'POST',
      body: JSON.stringify({ eventType: 'order.beta' }),
    });
    assert.equal(example.status, 422);
    assert.match(await detail(example), /^body\.eventType: event type "order\.beta"/);
  });

  test('feature flags of a portal access are bounded', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `f${i}`);
    const res = await gw.api('/auth/app-portal-access/shop', { method: 'POST', body: JSON.stringify({ featureFlags: many }) });
    assert.equal(res.status, 422);
    assert.match(await detail(res), /^body\.featureFlags/);
  });
});

describe('endpoint retry schedule through the API and the portal', () => {
  let gw: Gw;
  const receiver = new Receiver((_req, n) => ({ status: n <= 2 ? 503 : 200 }));
  before(async () => {
    await receiver.start();
    // The global schedule waits an hour: only the endpoint's own schedule can bring the retries in time.
    gw = await startTestGateway('delivery: { retry: [1h, 1h], pollInterval: 50ms }\napplications:\n  shop: {}\n  backoff: {}\n', {
      logLevel: 'silent',
    });
  });
  after(async () => {
    await gw?.stop();
    await receiver.stop();
  });

  test('the operator sets, reads, checks and clears an endpoint retry schedule', async () => {
    const made = await gw.api('/app/shop/endpoint', {
      method: 'POST',
      body: JSON.stringify({ url: 'https://hooks.shop.test/a', retrySchedule: ['5s', '90s', '2h'] }),
    });
    assert.equal(made.status, 201);
    const ep = (await made.json()) as { id: string; retrySchedule: string[] | null };
    assert.deepEqual(ep.retrySchedule, ['5s', '90s', '2h']);
    const patch = (body: unknown) => gw.api(`/app/shop/endpoint/${ep.id}`, { method: 'PATCH', body: JSON.stringify(body) });
    const bad = await patch({ retrySchedule: ['5s', 'soon'] });
    assert.equal(bad.status, 422);
    assert.equal(await detail(bad), 'body.retrySchedule[1]: must be a duration such as 5s, 5m or 2h (got "soon")');
    const long = await patch({ retrySchedule: ['31d'] });
    assert.equal(long.status, 422);
    assert.equal(await detail(long), 'body.retrySchedule: a retry delay may be at most 30d');
    assert.equal((await patch({ retrySchedule: 'x' })).status, 422);
    const other = (await (await patch({ description: 'untouched schedule' })).json()) as { retrySchedule: string[] | null };
    assert.deepEqual(other.retrySchedule, ['5s', '90s', '2h']);
    const cleared = (await (await patch({ retrySchedule: null })).json()) as { retrySchedule: string[] | null };
    assert.equal(cleared.retrySchedule, null);
  });

  test('a portal session sets a retry schedule only where the operator allows it (403 otherwise), and the session view says which', async () => {
    const tenant = await session(gw, 'shop');
    const view = async () =>
      ((await (await as(gw.url, tenant, '/auth/portal-session')).json()) as { allowRetrySchedule: boolean }).allowRetrySchedule;
    const create = () =>
      as(gw.url, tenant, '/app/shop/endpoint', {
        method: 'POST',
        body: JSON.stringify({ url: 'https://hooks.shop.test/b', retrySchedule: ['1m'] }),
      });
    assert.equal(await view(), false);
    const refused = await create();
    assert.equal(refused.status, 403);
    assert.match(await detail(refused), /^body\.retrySchedule: .*allowRetrySchedule/);
    const plain = await as(gw.url, tenant, '/app/shop/endpoint', {
      method: 'POST',
      body: JSON.stringify({ url: 'https://hooks.shop.test/c' }),
    });
    assert.equal(plain.status, 201, 'the same endpoint without a schedule is fine');
    const { id } = (await plain.json()) as { id: string };
    const patch = () => as(gw.url, tenant, `/app/shop/endpoint/${id}`, { method: 'PATCH', body: JSON.stringify({ retrySchedule: null }) });
    assert.equal((await patch()).status, 403);

    const settings = await gw.api('/app/shop/portal-settings', { method: 'PUT', body: JSON.stringify({ allowRetrySchedule: true }) });
    assert.equal(settings.status, 200);
    assert.equal(((await settings.json()) as { allowRetrySchedule: boolean }).allowRetrySchedule, true);
    assert.equal(await view(), true);
    const allowed = await create();
    assert.equal(allowed.status, 201);
    assert.deepEqual(((await allowed.json()) as { retrySchedule: string[] }).retrySchedule, ['1m']);
    assert.equal((await patch()).status, 200);
    // The tenant cannot open it for itself.
    const self = await as(gw.url, tenant, '/app/shop/portal-settings', {
      method: 'PUT',
      body: JSON.stringify({ allowRetrySchedule: true }),
    });
    assert.equal(self.status, 403);
    assert.equal(((await (await gw.api('/app/shop/portal-settings')).json()) as { allowRetrySchedule: boolean }).allowRetrySchedule, true);
    // A PUT replaces the settings whole: unnamed, the permission is withdrawn.
    await gw.api('/app/shop/portal-settings', { method: 'PUT', body: JSON.stringify({ displayName: 'Shop' }) });
    assert.equal((await create()).status, 403);
  });

  test("deliveries of an API-made endpoint retry on the endpoint's schedule", async () => {
    const made = await gw.api('/app/backoff/endpoint', {
      method: 'POST',
      body: JSON.stringify({ url: receiver.url, retrySchedule: ['100ms', '100ms'], filterTypes: ['retry.check'] }),
    });
    assert.equal(made.status, 201);
    const msg = await gw.api('/app/backoff/msg', { method: 'POST', body: JSON.stringify({ eventType: 'retry.check', payload: { n: 1 } }) });
    assert.equal(msg.status, 202);
    // Two failures then a success: with the global schedule the second attempt would be an hour away.
    await receiver.waitFor(3, 20_000);
    assert.equal(receiver.requests.length, 3);
  });
});
