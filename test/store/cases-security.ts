import assert from 'node:assert/strict';
import { it } from 'node:test';
import { idFloor, newId } from '../../src/store/ids.ts';
import type { AuditEntry } from '../../src/store/security.ts';
import type { StoreTarget } from './harness.ts';

function entry(over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: newId('aud'),
    at: Date.now(),
    principalKind: 'token',
    principalName: 'default',
    action: 'POST /app/:app_id/endpoint',
    object: 'app_id=shop',
    appId: 'shop',
    status: 201,
    remoteAddr: '127.0.0.1',
    ...over,
  };
}

export function securityCases(target: StoreTarget): void {
  it('audit log: stored as written, newest first, filtered, paged, removed past retention', () =>
    target.with(async ({ store }) => {
      const old = entry({
        id: `${idFloor('aud', Date.now() - 10 * 86_400_000)}AAAAAAAAAAAAAA`,
        at: Date.now() - 10 * 86_400_000,
        principalName: 'ci',
        appId: null,
        object: null,
      });
      const a = entry({ principalName: 'ci', appId: 'other', object: 'app_id=other endpoint_id=ep_x; DROP TABLE audit_log; --' });
      const b = entry({ principalKind: 'portal', principalName: 'portal_abc', status: 403 });
      await store.insertAudit([old, a]);
      await store.insertAudit([b]);
      const all = await store.listAudit({ limit: 10 });
      assert.deepEqual(
        all.data.map((e) => e.id),
        [b.id, a.id, old.id],
      );
      assert.deepEqual(all.data[1], a, 'every field as written (values are bound, never spliced)');
      assert.deepEqual(
        (await store.listAudit({ limit: 10, principal: 'ci' })).data.map((e) => e.id),
        [a.id, old.id],
      );
      assert.deepEqual(
        (await store.listAudit({ limit: 10, appId: 'shop' })).data.map((e) => e.id),
        [b.id],
      );
      const first = await store.listAudit({ limit: 2 });
      assert.equal(first.done, false);
      assert.deepEqual(
        (await store.listAudit({ limit: 2, iterator: first.iterator as string })).data.map((e) => e.id),
        [old.id],
      );
      assert.equal(await store.removeAuditBefore(Date.now() - 86_400_000), 1);
      assert.equal((await store.listAudit({ limit: 10 })).data.length, 2);
    }));

  it('network policies: set, replaced, removed per application', () =>
    target.with(async ({ store }) => {
      const now = Date.now();
      const made = await store.createApplication({ uid: 'tenant', name: 'Tenant', throttleRate: null, metadata: {} }, now);
      assert.ok('ok' in made);
      const id = made.ok.id;
      assert.equal(await store.getNetworkPolicy(id), null);
      await store.setNetworkPolicy(id, { allowAll: false, allowCidrs: ['10.1.0.0/16'] }, now);
      assert.deepEqual(await store.getNetworkPolicy(id), { allowAll: false, allowCidrs: ['10.1.0.0/16'] });
      await store.setNetworkPolicy(id, { allowAll: true, allowCidrs: [] }, now);
      assert.deepEqual(await store.getNetworkPolicy(id), { allowAll: true, allowCidrs: [] });
      await store.setNetworkPolicy(id, null, now);
      assert.equal(await store.getNetworkPolicy(id), null);
    }));
}
