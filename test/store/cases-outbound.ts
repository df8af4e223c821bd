import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { HealthPolicy } from '../../src/store/health.ts';
import type { EndpointInput } from '../../src/store/management.ts';
import { leaseOptions, message, newSecret, stored, type StoreTarget } from './harness.ts';

function endpointInput(over: Partial<EndpointInput> = {}): EndpointInput {
  return {
    uid: null,
    url: 'http://127.0.0.1:9/x',
    description: '',
    secrets: [{ secret: newSecret(), expiresAt: null }],
    filterTypes: null,
    channels: null,
    throttleRate: null,
    metadata: {},
    version: 1,
    headers: {},
    disabled: false,
    signatureStyle: 'webhook',
    ...over,
  };
}

const policy: HealthPolicy = {
  failureThreshold: 3,
  failureRate: 1,
  windowMs: 60_000,
  minWindowAttempts: 100,
  cooldownMs: 1000,
  disableAfterMs: 86_400_000,
};

function ok<T>(r: { ok: T } | { conflict: string } | null): T {
  assert.ok(r && 'ok' in r, `expected a record, got ${JSON.stringify(r)}`);
  return r.ok;
}

export function outboundCases(target: StoreTarget): void {
  it('manages applications and endpoints: uids unique, pages newest first, delete cascades', () =>
    target.with(async ({ store }) => {
      const now = Date.now();
      const app = ok(await store.createApplication({ uid: 'shop', name: 'Shop', throttleRate: 5, metadata: { tier: 'gold' } }, now));
      assert.deepEqual([app.uid, app.throttleRate, app.metadata], ['shop', 5, { tier: 'gold' }]);
      assert.deepEqual(await store.createApplication({ uid: 'shop', name: 'Again', throttleRate: null, metadata: {} }, now), {
        conflict: 'an application with uid "shop" exists',
      });
      const other = ok(await store.createApplication({ uid: null, name: 'Other', throttleRate: null, metadata: {} }, now));
      assert.ok(
        'conflict' in (await store.updateApplication(other.id, { uid: 'shop', name: 'x', throttleRate: null, metadata: {} }, now))!,
      );
      assert.equal(
        ok(await store.updateApplication(other.id, { uid: 'other', name: 'Renamed', throttleRate: null, metadata: {} }, now)).name,
        'Renamed',
      );
      const apps = await store.listApplications({ limit: 1 });
      assert.deepEqual([apps.data[0]?.id, apps.done], [other.id, false]);
      assert.deepEqual(
        (await store.listApplications({ limit: 1, iterator: apps.iterator! })).data.map((a) => a.id),
        [app.id],
      );

      const a = ok(
        await store.createEndpoint(app.id, endpointInput({ uid: 'a', filterTypes: ['invoice.*'], signatureStyle: 'svix' }), now),
      );
      assert.equal(a.signatureStyle, 'svix');
      assert.ok('conflict' in (await store.createEndpoint(app.id, endpointInput({ uid: 'a' }), now)));
      const b = ok(await store.createEndpoint(app.id, endpointInput({ uid: 'b', throttleRate: 2 }), now));
      assert.deepEqual(
        (await store.listEndpointPage(app.id, { limit: 10 })).data.map((e) => e.uid),
        ['b', 'a'],
      );
      const changed = ok(
        await store.updateEndpoint(app.id, 'a', endpointInput({ uid: 'a', url: 'http://127.0.0.1:9/y', headers: { 'x-k': 'v' } }), now),
      );
      assert.deepEqual([changed.id, changed.url, changed.headers], [a.id, 'http://127.0.0.1:9/y', { 'x-k': 'v' }]);
      assert.equal(await store.updateEndpoint(app.id, 'nope', endpointInput(), now), null);

      const { messageId } = stored((await store.ingest([message(app.id, { eventType: 'invoice.paid' })]))[0]!);
      assert.equal((await store.listDeliveries(app.id, messageId)).length, 2);
      assert.equal(await store.deleteEndpoint(app.id, b.id), true);
      assert.equal((await store.listDeliveries(app.id, messageId)).length, 1);
      assert.equal(await store.deleteApplication(app.id), true);
      assert.equal(await store.getApplication('shop'), null);
      assert.equal(await store.getMessage(app.id, messageId), null);
      assert.deepEqual(await store.listEndpoints(app.id), []);
    }));

  it("keeps an API endpoint's own retry schedule: set on create, left by an update that does not name it, cleared with null", () =>
    target.with(async ({ store }) => {
      const now = Date.now();
      const app = ok(await store.createApplication({ uid: 'retry', name: 'Retry', throttleRate: null, metadata: {} }, now));
      assert.equal(ok(await store.createEndpoint(app.id, endpointInput(), now)).retryScheduleMs, null);
      const ep = ok(await store.createEndpoint(app.id, endpointInput({ retryScheduleMs: [1000, 60_000] }), now));
      assert.deepEqual(ep.retryScheduleMs, [1000, 60_000]);
      assert.deepEqual(
        ok(await store.updateEndpoint(app.id, ep.id, endpointInput({ description: 'x' }), now)).retryScheduleMs,
        [1000, 60_000],
      );
      assert.deepEqual((await store.getEndpoint(app.id, ep.id))?.retryScheduleMs, [1000, 60_000]);
      assert.deepEqual(ok(await store.updateEndpoint(app.id, ep.id, endpointInput({ retryScheduleMs: [] }), now)).retryScheduleMs, []);
      assert.equal(ok(await store.updateEndpoint(app.id, ep.id, endpointInput({ retryScheduleMs: null }), now)).retryScheduleMs, null);
    }));

  it('keeps event types with their schemas, archived ones out of the list by default', () =>
    target.with(async ({ store }) => {
      const now = Date.now();
      const base = { description: '', deprecated: false, archived: false, featureFlag: null, groupName: null };
      for (const name of ['c.x', 'a.x', 'b.x'])
        ok(await store.createEventType({ ...base, name, schemas: { 1: { type: 'object', title: name } } }, now));
      assert.ok('conflict' in (await store.createEventType({ ...base, name: 'a.x', schemas: null }, now)));
      assert.deepEqual((await store.getEventType('b.x'))?.schemas, { 1: { type: 'object', title: 'b.x' } });
      await store.updateEventType({ ...base, name: 'b.x', schemas: null, archived: true }, now);
      const page = await store.listEventTypes({ limit: 1, includeArchived: false });
      assert.deepEqual([page.data.map((e) => e.name), page.done], [['a.x'], false]);
      assert.deepEqual(
        (await store.listEventTypes({ limit: 5, includeArchived: false, iterator: page.iterator! })).data.map((e) => e.name),
        ['c.x'],
      );
      assert.equal((await store.listEventTypes({ limit: 5, includeArchived: true })).data.length, 3);
      assert.equal(await store.deleteEventType('c.x'), true);
      assert.equal(await store.getEventType('c.x'), null);
    }));

  it('stores idempotency keys: claimed once, running, then the answer; expired keys are taken over', () =>
    target.with(async ({ store }) => {
      const now = Date.now();
      assert.deepEqual(await store.claimIdempotency('s', 'k', 'POST /a', now, now + 1000), { state: 'claimed' });
      assert.deepEqual(await store.claimIdempotency('s', 'k', 'POST /a', now, now + 1000), { state: 'running', request: 'POST /a' });
      assert.deepEqual(await store.claimIdempotency('other', 'k', 'POST /a', now, now + 1000), { state: 'claimed' });
      await store.completeIdempotency('s', 'k', 202, '{"id":1}');
      assert.deepEqual(await store.claimIdempotency('s', 'k', 'POST /a', now, now + 1000), {
        state: 'done',
        request: 'POST /a',
        status: 202,
        body: '{"id":1}',
      });
      assert.deepEqual(await store.claimIdempotency('s', 'k', 'POST /b', now + 2000, now + 3000), { state: 'claimed' });
      await store.releaseIdempotency('s', 'k');
      assert.deepEqual(await store.claimIdempotency('s', 'k', 'POST /c', now, now + 1000), { state: 'claimed' });
      assert.equal(await store.purgeIdempotency(now + 5000), 2);
    }));

  it('throttles and breaks endpoints in the lease itself, and counts outcomes across calls', () =>
    target.with(async ({ store }) => {
      // Leases are asked for a little ahead of the deliveries' creation, so all are due.
      const now = Date.now() + 1000;
      const app = ok(await store.createApplication({ uid: 'shop', name: 'Shop', throttleRate: 1, metadata: {} }, now));
      const ep = ok(await store.createEndpoint(app.id, endpointInput(), now));
      for (let i = 0; i < 3; i++) stored((await store.ingest([message(app.id)]))[0]!);
      const first = await store.leaseDue(leaseOptions('w', now));
      assert.equal(first.length, 1, "the application's 1/s lets one through");
      assert.equal((await store.leaseDue(leaseOptions('w', now + 10))).length, 0);
      assert.ok(((await store.nextUnblockAt(now)) ?? 0) > now);
      assert.equal((await store.leaseDue(leaseOptions('w', now + 1100))).length, 1, 'the next slot');

      let change = await store.recordEndpointHealth(ep.id, false, now, policy);
      change = await store.recordEndpointHealth(ep.id, false, now, policy);
      assert.deepEqual(change, { opened: false, closed: false, disable: false });
      change = await store.recordEndpointHealth(ep.id, false, now + 2000, policy);
      assert.equal(change.opened, true);
      assert.equal((await store.leaseDue(leaseOptions('w', now + 2500))).length, 0, 'open: nothing leased');
      const probe = await store.leaseDue(leaseOptions('w', now + 3100));
      assert.equal(probe.length, 1, 'after the cool-down, one probe');
      assert.equal((await store.leaseDue(leaseOptions('w', now + 5000))).length, 0, 'nothing beside the probe');
      change = await store.recordEndpointHealth(ep.id, true, now + 5000, policy);
      assert.equal(change.closed, true);
      assert.equal(await store.nextUnblockAt(now + 10_000), null);
      change = await store.recordEndpointHealth(ep.id, false, now + 86_400_000 + 10_000, policy);
      change = await store.recordEndpointHealth(ep.id, false, now + 2 * 86_400_000 + 20_000, policy);
      assert.equal(change.disable, true, 'failing for longer than disableAfter');
    }));

  it('purges payloads past retention and recovers dead deliveries', () =>
    target.with(async ({ store }) => {
      const now = Date.now() + 1000;
      const app = ok(await store.createApplication({ uid: 'shop', name: 'Shop', throttleRate: null, metadata: {} }, now));
      const ep = ok(await store.createEndpoint(app.id, endpointInput(), now));
      const kept = stored((await store.ingest([message(app.id)]))[0]!).messageId;
      const own = stored((await store.ingest([message(app.id)]))[0]!).messageId;
      await store.setPayloadExpiry(own, now + 10);
      let result = await store.purgePayloads(now + 20, now - 60_000, 'msg_', 100);
      assert.equal(result.purged, 1);
      assert.equal((await store.getMessage(app.id, own))?.payload, null);
      assert.notEqual((await store.getMessage(app.id, kept))?.payload, null);
      result = await store.purgePayloads(now + 20, now + 60_000, 'msg_', 100);
      assert.equal(result.purged, 1);
      assert.equal((await store.getMessage(app.id, kept))?.payload, null);
      assert.equal(await store.deleteMessageContent(app.id, 'msg_nope'), false);

      const leased = await store.leaseDue(leaseOptions('w', now));
      await store.recordAttempts(
        leased.map((l) => ({
          deliveryId: l.delivery.id,
          leaseOwner: 'w',
          next: { state: 'dead' as const },
          attempt: {
            deliveryId: l.delivery.id,
            messageId: l.message.id,
            endpointId: ep.id,
            appId: app.id,
            url: ep.url,
            trigger: 'scheduled' as const,
            startedAt: now,
            durationMs: 1,
            status: 500,
            responseBody: '',
            error: null,
            succeeded: false,
          },
        })),
      );
      assert.equal((await store.endpointStats(app.id, ep.id)).fail, 2);
      assert.equal(await store.recoverEndpoint(app.id, ep.id, now - 1000, now + 1000, now), 2);
      assert.deepEqual(await store.endpointStats(app.id, ep.id), { success: 0, pending: 2, sending: 0, fail: 0, canceled: 0 });
      const id = await store.ingestForEndpoint(app.id, ep.id, 'x.y', Buffer.from('{}'), now);
      assert.deepEqual(
        (await store.listDeliveries(app.id, id)).map((d) => d.endpointId),
        [ep.id],
      );
    }));
}
