import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, startTestGateway } from '../helpers/gateway.ts';
import { Receiver } from '../helpers/receiver.ts';

type Job = {
  id: string;
  state: string;
  total: number;
  done: number;
  failed: number;
  createdAt: string;
  finishedAt: string | null;
  filter: Record<string, unknown>;
};

describe('bulk recovery jobs over the API', () => {
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const shopA = new Receiver(() => ({ status: 500 }));
  const shopB = new Receiver(() => ({ status: 500 }));
  const other = new Receiver(() => ({ status: 500 }));
  let portalToken = '';

  const send = async (app: string, eventType: string, n: number) => {
    const res = await gw.api(`/app/${app}/msg`, { method: 'POST', body: JSON.stringify({ eventType, payload: { n } }) });
    assert.equal(res.status, 202);
    return ((await res.json()) as { id: string }).id;
  };
  const bulk = async (body: unknown, token?: string) => {
    const res = await gw.api('/bulk-jobs', {
      method: 'POST',
      body: JSON.stringify(body),
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    });
    return { status: res.status, body: (await res.json()) as Job & { count: number; code: string; detail: string } };
  };
  const job = async (id: string, token?: string) => {
    const res = await gw.api(`/bulk-jobs/${id}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return { status: res.status, body: (await res.json()) as Job };
  };
  const ended = (id: string, token?: string) =>
    eventually(
      async () => {
        const j = (await job(id, token)).body;
        return j.state === 'queued' || j.state === 'running' ? undefined : j;
      },
      15_000,
      `job ${id} to end`,
    );

  before(async () => {
    await Promise.all([shopA.start(), shopB.start(), other.start()]);
    gw = await startTestGateway(
      `
delivery: { retry: [], pollInterval: 50ms }
bulkJobs: { batchSize: 1, batchPause: 300ms, pollInterval: 50ms }
applications:
  shop:
    endpoints:
      - { id: a, url: "${shopA.url}" }
      - { id: b, url: "${shopB.url}" }
  other:
    endpoints:
      - { id: c, url: "${other.url}" }
`,
      { logLevel: 'warn' },
    );
    // Every first attempt fails and, with no retries, dies: 4 messages × 2 endpoints in shop, 3 in other.
    for (let i = 0; i < 3; i++) await send('shop', 'invoice.paid', i);
    await send('shop', 'user.created', 3);
    for (let i = 0; i < 3; i++) await send('other', 'invoice.paid', i);
    await Promise.all([shopA.waitFor(4), shopB.waitFor(4), other.waitFor(3)]);
    await eventually(
      async () => {
        const res = await bulk({ action: 'retry', filter: {}, dryRun: true });
        return res.body.count === 11 ? true : undefined;
      },
      15_000,
      'every delivery to be dead',
    );
    for (const r of [shopA, shopB, other]) r.respond(() => ({ status: 200 }));
    const access = await gw.api('/auth/app-portal-access/shop', { method: 'POST', body: '{}' });
    portalToken = ((await access.json()) as { token: string }).token;
  });
  after(async () => {
    await gw?.stop();
    await Promise.all([shopA.stop(), shopB.stop(), other.stop()]);
  });

  test('bad requests: 4xx naming the problem', async () => {
    const cases: Array<[unknown, number, RegExp]> = [
      [{ action: 'resend', filter: {} }, 422, /action/],
      [{ action: 'retry' }, 422, /filter/],
      [{ action: 'retry', filter: { status: ['in_flight'] } }, 422, /filter\.status: retry applies to dead, scheduled/],
      [{ action: 'replay', filter: { status: ['pending'] } }, 422, /filter\.status/],
      [{ action: 'retry', filter: { since: 'yesterday' } }, 422, /filter\.since/],
      [{ action: 'retry', filter: { since: '2030-01-02T00:00:00Z', until: '2030-01-01T00:00:00Z' } }, 422, /before filter\.until/],
      [{ action: 'retry', filter: { endpoint: 'a' } }, 422, /filter\.endpoint: needs filter\.app/],
      [{ action: 'retry', filter: { app: 'nope' } }, 404, /application "nope"/],
      [{ action: 'retry', filter: { app: 'shop', endpoint: 'zz' } }, 404, /endpoint "zz"/],
      [{ action: 'retry', filter: { colour: 'red' } }, 422, /filter/],
    ];
    for (const [body, status, detail] of cases) {
      const res = await bulk(body);
      assert.equal(res.status, status, JSON.stringify(body));
      assert.match(res.body.detail, detail, JSON.stringify(body));
    }
    assert.equal((await job('bulk_0000000000000000000000')).status, 404);
    const notJson = await gw.api('/bulk-jobs', { method: 'POST', body: '{' });
    assert.equal(notJson.status, 400);
  });

  test('estimate, then a job that retries exactly the filtered deliveries', async () => {
    const filter = { app: 'shop', endpoint: 'a', eventTypes: ['invoice.paid'] };
    const estimate = await bulk({ action: 'retry', filter, dryRun: true });
    assert.deepEqual([estimate.status, estimate.body], [200, { count: 3 }]);
    const before = [shopA.requests.length, shopB.requests.length, other.requests.length];
    const started = await bulk({ action: 'retry', filter });
    assert.equal(started.status, 202);
    assert.match(started.body.id, /^bulk_/);
    assert.equal(started.body.total, 3);
    assert.ok(['queued', 'running'].includes(started.body.state));
    const done = await ended(started.body.id);
    assert.deepEqual([done.state, done.done, done.failed, done.total], ['succeeded', 3, 0, 3]);
    assert.ok(done.finishedAt);
    await shopA.waitFor(before[0]! + 3);
    const retried = shopA.requests.slice(before[0]).map((r) => JSON.parse(r.body.toString()) as { n: number });
    assert.deepEqual(retried.map((p) => p.n).sort(), [0, 1, 2]);
    // A second estimate: those three are not dead any more.
    await eventually(async () => ((await bulk({ action: 'retry', filter, dryRun: true })).body.count === 0 ? true : undefined));
    assert.deepEqual([shopB.requests.length, other.requests.length], [before[1], before[2]], 'nothing else was sent');
    const list = await gw.api('/bulk-jobs');
    const page = (await list.json()) as { data: Job[] };
    assert.equal(page.data[0]?.id, started.body.id);
  });

  test("a portal token's job stays in its application; another application's jobs are not there for it", async () => {
    const forbidden = await bulk({ action: 'retry', filter: { app: 'other' } }, portalToken);
    assert.equal(forbidden.status, 403);
    const adminJob = await bulk({ action: 'retry', filter: { app: 'other' }, dryRun: true });
    assert.equal(adminJob.body.count, 3);
    // No app named: the token's own application, never every one.
    const estimate = await bulk({ action: 'retry', filter: { endpoint: 'b' }, dryRun: true }, portalToken);
    assert.deepEqual(estimate.body, { count: 4 });
    const otherBefore = other.requests.length;
    const started = await bulk({ action: 'replay', filter: { status: ['dead'] } }, portalToken);
    assert.equal(started.status, 202);
    assert.equal(started.body.total, 5, "shop's dead: a's user.created, b's four");
    const done = await ended(started.body.id, portalToken);
    assert.equal(done.done, 5);
    await shopB.waitFor(8);
    assert.equal(other.requests.length, otherBefore, 'the other application got nothing');
    const others = await gw.api('/bulk-jobs', { headers: { authorization: `Bearer ${portalToken}` } });
    const ids = ((await others.json()) as { data: Job[] }).data.map((j) => j.filter.app);
    assert.ok(ids.length >= 1 && ids.every((app) => app === ids[0]), "only its own application's jobs");
    const otherJob = await bulk({ action: 'retry', filter: { app: 'other', since: new Date(Date.now() - 1).toISOString() } });
    assert.equal(otherJob.status, 202);
    assert.equal((await job(otherJob.body.id, portalToken)).status, 404);
    assert.equal(
      (await gw.api(`/bulk-jobs/${otherJob.body.id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${portalToken}` } }))
        .status,
      404,
    );
  });

  test('a job can be cancelled: it stops, and says how far it got', async () => {
    const started = await bulk({ action: 'replay', filter: { app: 'other', status: ['succeeded', 'dead'] } });
    assert.equal(started.status, 202);
    const id = started.body.id;
    // One delivery per batch, 300 ms apart: cancel once the first is done.
    await eventually(async () => ((await job(id)).body.done >= 1 ? true : undefined), 15_000, 'the first batch');
    const cancel = await gw.api(`/bulk-jobs/${id}/cancel`, { method: 'POST' });
    assert.equal(cancel.status, 200);
    const cancelled = (await cancel.json()) as Job;
    assert.equal(cancelled.state, 'cancelled');
    assert.ok(cancelled.done < 3, `stopped before the end (done ${cancelled.done})`);
    await new Promise((r) => setTimeout(r, 700));
    const later = (await job(id)).body;
    assert.deepEqual([later.state, later.done], ['cancelled', cancelled.done], 'nothing more after the cancel');
    const again = await gw.api(`/bulk-jobs/${id}/cancel`, { method: 'POST' });
    assert.equal(again.status, 409);
  });

  test("Svix's recover is a bulk retry of the endpoint's dead deliveries", async () => {
    shopA.respond(() => ({ status: 500 }));
    await send('shop', 'order.created', 9);
    await eventually(async () =>
      (await bulk({ action: 'retry', filter: { app: 'shop', endpoint: 'a', eventTypes: ['order.created'] }, dryRun: true })).body.count ===
      1
        ? true
        : undefined,
    );
    shopA.respond(() => ({ status: 200 }));
    const count = shopA.requests.length;
    const res = await gw.api('/app/shop/endpoint/a/recover', {
      method: 'POST',
      body: JSON.stringify({ since: new Date(Date.now() - 60_000).toISOString() }),
    });
    assert.equal(res.status, 202);
    const out = (await res.json()) as { id: string; status: string; task: string };
    assert.equal(out.task, 'endpoint.recover');
    assert.match(out.id, /^bulk_/);
    const done = await ended(out.id);
    assert.equal(done.done, 1);
    await shopA.waitFor(count + 1);
    assert.equal(JSON.parse(shopA.requests[count]!.body.toString()).n, 9);
  });
});
