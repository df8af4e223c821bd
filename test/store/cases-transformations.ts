import assert from 'node:assert/strict';
import { it } from 'node:test';
import { application, endpoint, leaseOptions, message, stored, type StoreTarget } from './harness.ts';

export function transformationCases(target: StoreTarget): void {
  it('keeps endpoint transformations: set by the config, by the API, kept across a config sync that names none', () =>
    target.with(async ({ store }) => {
      const t = { code: '(w) => w', enabled: true };
      const app = await store.syncApplication(
        application('tf', [endpoint('a', { transformation: t }), endpoint('b')]),
        () => 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      );
      assert.deepEqual((await store.getEndpoint(app.id, 'a'))?.transformation, t);
      const b = (await store.getEndpoint(app.id, 'b'))!;
      assert.equal(b.transformation, null);
      assert.equal(
        await store.setEndpointTransformation(app.id, b.id, { code: '(w) => ({ ...w, cancel: true })', enabled: false }, Date.now()),
        true,
      );
      assert.equal(await store.setEndpointTransformation(app.id, 'ep_missing', t, Date.now()), false);
      await store.syncApplication(application('tf', [endpoint('a', { transformation: null }), endpoint('b')]), () => 'x');
      assert.equal((await store.getEndpoint(app.id, 'a'))?.transformation, null);
      assert.deepEqual((await store.getEndpoint(app.id, 'b'))?.transformation, { code: '(w) => ({ ...w, cancel: true })', enabled: false });
      // The leased endpoint carries it to the deliverer.
      await store.setEndpointTransformation(app.id, b.id, t, Date.now());
      stored((await store.ingest([message(app.id)]))[0]!);
      const leased = await store.leaseDue(leaseOptions('w1', Date.now()));
      assert.deepEqual(leased.find((l) => l.endpoint.id === b.id)?.endpoint.transformation, t);
    }));

  it('records a cancelled delivery as skipped with its reason', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('cx', [endpoint('a')]), () => 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
      const { messageId } = stored((await store.ingest([message(app.id)]))[0]!);
      const [leased] = await store.leaseDue(leaseOptions('w1', Date.now()));
      assert.ok(leased);
      await store.recordAttempts([
        {
          deliveryId: leased.delivery.id,
          leaseOwner: 'w1',
          next: { state: 'skipped', reason: 'cancelled' },
          attempt: {
            deliveryId: leased.delivery.id,
            messageId,
            endpointId: leased.endpoint.id,
            appId: app.id,
            url: leased.endpoint.url,
            trigger: 'scheduled',
            startedAt: Date.now(),
            durationMs: 1,
            status: null,
            responseBody: null,
            error: 'cancelled by the transformation: no',
            succeeded: false,
          },
        },
      ]);
      const [d] = await store.listDeliveries(app.id, messageId);
      assert.deepEqual([d?.state, d?.skipReason, d?.lastError], ['skipped', 'cancelled', 'cancelled by the transformation: no']);
      assert.equal(await store.nextDueAt(), null);
    }));

  it('stores source transformations by name, and removes them', () =>
    target.with(async ({ store }) => {
      assert.equal(await store.getSourceTransformation('stripe'), null);
      await store.setSourceTransformation('stripe', { code: 'a', enabled: true }, 1000);
      await store.setSourceTransformation('stripe', { code: 'b', enabled: false }, 2000);
      assert.deepEqual(await store.getSourceTransformation('stripe'), { source: 'stripe', code: 'b', enabled: false, updatedAt: 2000 });
      await store.setSourceTransformation('stripe', null, 3000);
      assert.equal(await store.getSourceTransformation('stripe'), null);
    }));
}
