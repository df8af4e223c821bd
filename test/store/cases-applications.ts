import assert from 'node:assert/strict';
import { it } from 'node:test';
import { application, endpoint, message, newSecret, stored, type StoreTarget } from './harness.ts';

export function applicationCases(target: StoreTarget): void {
  it('syncs an application and its endpoints idempotently, keeping generated secrets', () =>
    target.with(async ({ store }) => {
      const config = application('shop', [endpoint('a', { filterTypes: ['invoice.*'], concurrency: 3, timeoutMs: 2000 }), endpoint('b')]);
      const first = await store.syncApplication(config, newSecret);
      assert.equal(first.uid, 'shop');
      assert.equal(first.name, 'App shop');
      const before = await store.listEndpoints(first.id);
      assert.deepEqual(before.map((e) => e.uid).sort(), ['a', 'b']);
      const a = before.find((e) => e.uid === 'a');
      assert.deepEqual(a?.filterTypes, ['invoice.*']);
      assert.equal(a?.concurrency, 3);
      assert.equal(a?.timeoutMs, 2000);
      assert.equal(a?.secrets.length, 1);
      assert.match(a?.secrets[0]?.secret ?? '', /^whsec_/);

      const again = await store.syncApplication({ ...config, name: 'Shop renamed' }, newSecret);
      assert.equal(again.id, first.id);
      assert.equal(again.name, 'Shop renamed');
      const after = await store.listEndpoints(first.id);
      assert.deepEqual(
        after.map((e) => [e.id, e.uid, e.secrets]),
        before.map((e) => [e.id, e.uid, e.secrets]),
      );
      assert.equal((await store.getApplication(first.id))?.name, 'Shop renamed');
      assert.equal((await store.getApplication('shop'))?.id, first.id);
      assert.equal(await store.getApplication('nope'), null);
    }));

  it('replaces a secret the config changes and finds endpoints by id or uid', () =>
    target.with(async ({ store }) => {
      const secret = newSecret();
      const app = await store.syncApplication(application('shop', [endpoint('a', { secret })]), newSecret);
      const ep = await store.getEndpoint(app.id, 'a');
      assert.deepEqual(ep?.secrets, [{ secret, expiresAt: null }]);
      assert.equal((await store.getEndpoint(app.id, ep?.id ?? ''))?.uid, 'a');
      const other = await store.syncApplication(application('other', [endpoint('a')]), newSecret);
      assert.equal(await store.getEndpoint(other.id, ep?.id ?? ''), null, 'an endpoint is not found under another application');

      const rotated = newSecret();
      await store.syncApplication(application('shop', [endpoint('a', { secret: rotated, headers: { 'x-team': 'blue' } })]), newSecret);
      const changed = await store.getEndpoint(app.id, 'a');
      assert.deepEqual(changed?.secrets, [{ secret: rotated, expiresAt: null }]);
      assert.deepEqual(changed?.headers, { 'x-team': 'blue' });
      assert.equal(changed?.id, ep?.id);
    }));

  it('keeps an endpoint disabled at run time until its URL changes', () =>
    target.with(async ({ store }) => {
      const config = application('shop', [endpoint('a')]);
      const app = await store.syncApplication(config, newSecret);
      const ep = await store.getEndpoint(app.id, 'a');
      const { messageId } = stored((await store.ingest([message(app.id)]))[0]!);
      const [leased] = await store.leaseDue({
        owner: 'w1',
        now: Date.now(),
        limit: 10,
        defaultTimeoutMs: 1000,
        defaultConcurrency: 10,
        leaseGraceMs: 100,
      });
      assert.ok(leased);
      await store.recordAttempts([
        {
          deliveryId: leased.delivery.id,
          leaseOwner: 'w1',
          next: { state: 'dead' },
          disableEndpoint: 'endpoint answered 410 Gone',
          attempt: {
            deliveryId: leased.delivery.id,
            messageId,
            endpointId: ep!.id,
            appId: app.id,
            url: ep!.url,
            trigger: 'scheduled',
            startedAt: Date.now(),
            durationMs: 3,
            status: 410,
            responseBody: '',
            error: null,
            succeeded: false,
          },
        },
      ]);
      assert.equal((await store.getEndpoint(app.id, 'a'))?.disabledReason, 'endpoint answered 410 Gone');

      await store.syncApplication(config, newSecret);
      const still = await store.getEndpoint(app.id, 'a');
      assert.equal(still?.disabled, true);
      assert.equal(still?.disabledReason, 'endpoint answered 410 Gone');

      await store.syncApplication(application('shop', [endpoint('a', { url: 'http://127.0.0.1:9/moved' })]), newSecret);
      const moved = await store.getEndpoint(app.id, 'a');
      assert.equal(moved?.disabled, false);
      assert.equal(moved?.disabledReason, null);

      await store.syncApplication(application('shop', [endpoint('a', { url: 'http://127.0.0.1:9/moved', disabled: true })]), newSecret);
      assert.equal((await store.getEndpoint(app.id, 'a'))?.disabledReason, 'disabled in the config');
    }));
}
