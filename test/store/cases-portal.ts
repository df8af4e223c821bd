import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { PortalGrant } from '../../src/store/portal.ts';
import type { StoreTarget } from './harness.ts';

const grant = (id: string, appId: string, over: Partial<PortalGrant> = {}): PortalGrant => ({
  id,
  appId,
  capabilities: ['ViewBase', 'ManageEndpoint'],
  keyHash: `hash_${id}`,
  keyUsedAt: null,
  parentId: null,
  sessionId: null,
  featureFlags: [],
  createdAt: 1_000,
  expiresAt: 10_000,
  revokedAt: null,
  ...over,
});

export function portalCases(target: StoreTarget): void {
  portalRevocationCases(target);
  it('portal grants: a one-time key is used once, even by two callers at the same moment', () =>
    target.with(async ({ store }) => {
      await store.createPortalGrant(grant('g1', 'app_a'));
      assert.deepEqual((await store.getPortalGrant('g1'))?.capabilities, ['ViewBase', 'ManageEndpoint']);
      const [one, two] = await Promise.all([store.usePortalKey('hash_g1', 2_000), store.usePortalKey('hash_g1', 2_001)]);
      assert.deepEqual([one?.firstUse, two?.firstUse].sort(), [false, true]);
      assert.equal((await store.getPortalGrant('g1'))?.keyUsedAt !== null, true);
      assert.equal(await store.usePortalKey('hash_nothing', 2_000), null);
      assert.equal(await store.getPortalGrant('g_missing'), null);
    }));

  it('portal grants: feature flags are kept with the grant', () =>
    target.with(async ({ store }) => {
      await store.createPortalGrant(grant('f1', 'app_f', { featureFlags: ['beta', 'billing-v2'] }));
      await store.createPortalGrant(grant('f2', 'app_f', { keyHash: null }));
      assert.deepEqual((await store.getPortalGrant('f1'))?.featureFlags, ['beta', 'billing-v2']);
      assert.deepEqual((await store.getPortalGrant('f2'))?.featureFlags, []);
      assert.deepEqual((await store.usePortalKey('hash_f1', 2_000))?.grant.featureFlags, ['beta', 'billing-v2']);
    }));

  it('portal grants: logout ends one, expire-all every standing one of the application only', () =>
    target.with(async ({ store }) => {
      await store.createPortalGrant(grant('a1', 'app_a'));
      await store.createPortalGrant(grant('a2', 'app_a', { keyHash: null, parentId: 'a1' }));
      await store.createPortalGrant(grant('a3', 'app_a', { keyHash: null, expiresAt: 1_500 }));
      await store.createPortalGrant(grant('b1', 'app_b'));
      assert.equal(await store.revokePortalGrant('a1', 2_000), true);
      assert.equal(await store.revokePortalGrant('a1', 2_100), false);
      assert.equal(await store.revokePortalGrants('app_a', 3_000), 1);
      assert.equal((await store.getPortalGrant('a2'))?.revokedAt, 3_000);
      assert.equal((await store.getPortalGrant('a1'))?.revokedAt, 2_000);
      assert.equal((await store.getPortalGrant('b1'))?.revokedAt, null);
      assert.equal(await store.removePortalGrantsBefore(2_000), 1);
      assert.equal(await store.getPortalGrant('a3'), null);
    }));

  it('portal settings: stored per application, replaced whole', () =>
    target.with(async ({ store }) => {
      assert.equal(await store.getPortalSettings('app_a'), null);
      await store.setPortalSettings('app_a', {
        displayName: 'Acme',
        logoUrl: 'https://acme.test/logo.png',
        primaryColor: '#123abc',
        frameAncestors: ['https://acme.test'],
        allowRetrySchedule: true,
        updatedAt: 5,
      });
      await store.setPortalSettings('app_a', {
        displayName: 'Acme 2',
        logoUrl: null,
        primaryColor: null,
        frameAncestors: null,
        allowRetrySchedule: false,
        updatedAt: 6,
      });
      assert.deepEqual(await store.getPortalSettings('app_a'), {
        displayName: 'Acme 2',
        logoUrl: null,
        primaryColor: null,
        frameAncestors: null,
        allowRetrySchedule: false,
        updatedAt: 6,
      });
      await store.setPortalSettings('app_b', {
        displayName: null,
        logoUrl: null,
        primaryColor: '#ffffff',
        frameAncestors: ['https://b.test', 'https://c.test'],
        allowRetrySchedule: true,
        updatedAt: 7,
      });
      assert.deepEqual((await store.getPortalSettings('app_b'))?.frameAncestors, ['https://b.test', 'https://c.test']);
      assert.equal((await store.getPortalSettings('app_b'))?.allowRetrySchedule, true);
    }));
}

export function portalRevocationCases(target: StoreTarget): void {
  it('portal grants: expire-all of some sessions only, or with a grace period', () =>
    target.with(async ({ store }) => {
      for (const id of ['s1', 's2', 's3'])
        await store.createPortalGrant(grant(id, 'app_r', { keyHash: null, sessionId: id === 's1' ? 'user-1' : 'user-2' }));
      assert.equal(await store.revokePortalGrants('app_r', 2_000, { sessionIds: ['user-1', 'nothing'] }), 1);
      assert.equal((await store.getPortalGrant('s1'))?.revokedAt, 2_000);
      assert.equal((await store.getPortalGrant('s2'))?.revokedAt, null);
      assert.equal(await store.revokePortalGrants('app_r', 3_000, { endsAt: 4_000 }), 2);
      assert.deepEqual([(await store.getPortalGrant('s2'))?.expiresAt, (await store.getPortalGrant('s2'))?.revokedAt], [4_000, null]);
      // A grace never lengthens a grant that ends sooner.
      await store.createPortalGrant(grant('s4', 'app_r', { keyHash: null, expiresAt: 3_500, sessionId: 'user-4' }));
      await store.revokePortalGrants('app_r', 3_000, { endsAt: 5_000, sessionIds: ['user-4'] });
      assert.equal((await store.getPortalGrant('s4'))?.expiresAt, 3_500);
    }));
}
