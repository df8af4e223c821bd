import assert from 'node:assert/strict';
import { it } from 'node:test';
import { result } from './cases-leasing.ts';
import { application, endpoint, leaseOptions, message, newSecret, stored, type StoreTarget } from './harness.ts';

/** Store operations behind Svix-client compatibility: messages by eventId, scheduled messages, attempts by status class, stats. */
export function compatCases(target: StoreTarget): void {
  it('finds the newest message of an application by its eventId, and only there', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a')]), newSecret);
      const other = await store.syncApplication(application('other', [endpoint('b')]), newSecret);
      const [first] = await store.ingest([message(app.id, { eventId: 'evt_1' })]);
      const [second] = await store.ingest([message(app.id, { eventId: 'evt_1', dedupeScope: 'another' })]);
      await store.ingest([message(other.id, { eventId: 'evt_2' })]);
      assert.notEqual(stored(first!).messageId, stored(second!).messageId);
      assert.equal((await store.getMessageByEventId(app.id, 'evt_1'))?.id, stored(second!).messageId);
      assert.equal(await store.getMessageByEventId(app.id, 'evt_2'), null, 'not through another application');
      assert.equal(await store.getMessageByEventId(app.id, 'evt_none'), null);
    }));

  it('holds a scheduled message until its time, filters attempts by status class and counts skipped deliveries as canceled', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(
        application('shop', [endpoint('a'), endpoint('f', { filter: { type: { $eq: 'never' } }, recordSkipped: true })]),
        newSecret,
      );
      const a = (await store.getEndpoint(app.id, 'a'))!;
      const f = (await store.getEndpoint(app.id, 'f'))!;
      const at = Date.now() + 3_600_000;
      const [later] = await store.ingest([message(app.id, { notBefore: at })]);
      const [view] = (await store.listDeliveries(app.id, stored(later!).messageId)).filter((d) => d.endpointId === a.id);
      assert.equal(view?.nextAttemptAt, at);
      assert.deepEqual(await store.leaseDue(leaseOptions('w1', at - 1)), []);

      const ids = (await store.ingest([message(app.id), message(app.id)])).map((o) => stored(o).messageId);
      const leased = await store.leaseDue(leaseOptions('w1', Date.now() + 1000));
      const of = (id: string) => leased.find((l) => l.message.id === id)!;
      await store.recordAttempts([
        result(of(ids[0]!), 'w1', { state: 'succeeded' }),
        result(of(ids[1]!), 'w1', { state: 'dead' }, { status: null, responseBody: null, error: 'connection refused' }),
      ]);
      const byClass = async (statusClass: number) =>
        (await store.listAttempts({ appId: app.id, endpointId: a.id, statusClass, limit: 10 })).data.map((x) => x.messageId);
      assert.deepEqual(await byClass(200), [ids[0]]);
      assert.deepEqual(await byClass(0), [ids[1]]);
      assert.deepEqual(await byClass(500), []);
      assert.deepEqual(await store.endpointStats(app.id, a.id), { success: 1, pending: 1, sending: 0, fail: 1, canceled: 0 });
      assert.deepEqual(await store.endpointStats(app.id, f.id), { success: 0, pending: 0, sending: 0, fail: 0, canceled: 3 });
    }));

  it('keeps providerSignature per endpoint: default resign, set on create, kept or changed on update, from the YAML', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(
        application('shop', [endpoint('yaml-default'), endpoint('yaml-drop', { providerSignature: 'drop' })]),
        newSecret,
      );
      assert.equal((await store.getEndpoint(app.id, 'yaml-default'))?.providerSignature, 'resign');
      assert.equal((await store.getEndpoint(app.id, 'yaml-drop'))?.providerSignature, 'drop');
      const input = {
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
        signatureStyle: 'webhook' as const,
      };
      const made = await store.createEndpoint(app.id, { ...input, providerSignature: 'forward' }, Date.now());
      assert.ok('ok' in made);
      assert.equal(made.ok.providerSignature, 'forward');
      const kept = await store.updateEndpoint(app.id, made.ok.id, { ...input, description: 'x' }, Date.now());
      assert.equal(kept && 'ok' in kept ? kept.ok.providerSignature : null, 'forward');
      const changed = await store.updateEndpoint(app.id, made.ok.id, { ...input, providerSignature: 'drop' }, Date.now());
      assert.equal(changed && 'ok' in changed ? changed.ok.providerSignature : null, 'drop');
      assert.equal((await store.getEndpoint(app.id, made.ok.id))?.providerSignature, 'drop');
      const plain = await store.createEndpoint(app.id, input, Date.now());
      assert.equal('ok' in plain ? plain.ok.providerSignature : null, 'resign');
      // A later sync without the key goes back to the default.
      await store.syncApplication(application('shop', [endpoint('yaml-drop')]), newSecret);
      assert.equal((await store.getEndpoint(app.id, 'yaml-drop'))?.providerSignature, 'resign');
    }));
}
