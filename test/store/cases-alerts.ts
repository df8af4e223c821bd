import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AlertEvaluation, AlertState } from '../../src/store/alerts.ts';
import { result } from './cases-leasing.ts';
import { application, endpoint, leaseOptions, message, newSecret, stored, type StoreTarget } from './harness.ts';

const state = (subject: string, now: number): AlertState => ({
  rule: 'r',
  subject,
  status: 'firing',
  breaches: 1,
  clears: 0,
  value: 0.9,
  detail: { summary: 'bad', labels: { endpoint: subject } },
  since: now,
  lastNotifiedAt: now,
  updatedAt: now,
});

export function alertCases(target: StoreTarget): void {
  it('named leases: one holder, renewed by it, taken over once expired, released', () =>
    target.with(async ({ store }) => {
      const now = Date.now();
      assert.equal(await store.acquireLease('alerts', 'p1', now, 1000), true);
      assert.equal(await store.acquireLease('alerts', 'p2', now + 10, 1000), false);
      assert.equal(await store.acquireLease('alerts', 'p1', now + 500, 1000), true, 'renewed');
      assert.equal(await store.acquireLease('alerts', 'p2', now + 1200, 1000), false, 'the renewal moved the expiry');
      assert.equal(await store.acquireLease('alerts', 'p2', now + 1501, 1000), true, 'expired: taken over');
      assert.equal(await store.acquireLease('other', 'p1', now, 1000), true, 'leases are independent');
      await store.releaseLease('alerts', 'p1');
      assert.equal(await store.acquireLease('alerts', 'p1', now + 1600, 1000), false, 'p1 cannot release what p2 holds');
      await store.releaseLease('alerts', 'p2');
      assert.equal(await store.acquireLease('alerts', 'p1', now + 1600, 1000), true);
    }));

  it('an evaluation is written only by the lease holder; its notifications wait in an outbox', () =>
    target.with(async ({ store }) => {
      const now = Date.now();
      const evaluation: AlertEvaluation = {
        upsert: [state('ep_1', now)],
        forget: [],
        events: [
          {
            event: { rule: 'r', subject: 'ep_1', kind: 'firing', value: 0.9, detail: { summary: 'bad', labels: {}, ids: ['x'] }, at: now },
            channels: ['slack', 'pd'],
          },
        ],
      };
      assert.deepEqual(
        await store.recordAlertEvaluation('alerts', 'p1', evaluation, now),
        { written: false, eventIds: [] },
        'no lease, nothing written',
      );
      assert.deepEqual(await store.listAlertStates(), []);
      await store.acquireLease('alerts', 'p1', now, 10_000);
      const { written, eventIds } = await store.recordAlertEvaluation('alerts', 'p1', evaluation, now);
      assert.equal(written, true);
      assert.deepEqual(
        (await store.listAlertStates()).map((s) => [s.subject, s.status, s.detail.labels]),
        [['ep_1', 'firing', { endpoint: 'ep_1' }]],
      );
      const events = await store.listAlertEvents({ limit: 10 });
      assert.deepEqual(
        events.data.map((e) => [e.id, e.kind, e.detail.ids]),
        [[eventIds[0], 'firing', ['x']]],
      );

      const due = await store.dueAlertNotifications(now, 10);
      assert.deepEqual(due.map((d) => [d.notification.channel, d.event.id]).sort(), [
        ['pd', eventIds[0]],
        ['slack', eventIds[0]],
      ]);
      const slack = due.find((d) => d.notification.channel === 'slack')!.notification;
      const pd = due.find((d) => d.notification.channel === 'pd')!.notification;
      await store.finishAlertNotification(slack.id, { sent: true }, now + 1);
      await store.finishAlertNotification(pd.id, { sent: false, error: 'answered 503', retryAt: now + 5000 }, now + 1);
      assert.deepEqual(await store.dueAlertNotifications(now + 10, 10), []);
      assert.equal(await store.nextAlertNotificationAt(), now + 5000);
      assert.deepEqual(
        (await store.dueAlertNotifications(now + 5000, 10)).map((d) => [
          d.notification.id,
          d.notification.attempts,
          d.notification.lastError,
        ]),
        [[pd.id, 1, 'answered 503']],
      );
      await store.finishAlertNotification(pd.id, { sent: false, error: 'gone', retryAt: null }, now + 6000);
      const all = await store.notificationsOf(eventIds);
      assert.deepEqual(all.map((n) => [n.channel, n.state]).sort(), [
        ['pd', 'failed'],
        ['slack', 'sent'],
      ]);
      assert.equal(await store.nextAlertNotificationAt(), null);

      await store.recordAlertEvaluation('alerts', 'p1', { upsert: [], forget: [{ rule: 'r', subject: 'ep_1' }], events: [] }, now + 10);
      assert.deepEqual(await store.listAlertStates(), []);
    }));

  it('facts for the rules: attempts per endpoint in a window, endpoint conditions, source activity', () =>
    target.with(async ({ store }) => {
      const app = await store.syncApplication(application('shop', [endpoint('a'), endpoint('b', { disabled: true })]), newSecret);
      const a = (await store.getEndpoint(app.id, 'a'))!.id;
      const before = Date.now() - 1;
      const ids = (
        await store.ingest([
          message(app.id, { source: 'stripe' }),
          message(app.id, { source: 'stripe' }),
          message(app.id, { source: 'github' }),
        ])
      ).map((o) => stored(o).messageId);
      const now = Date.now() + 1000;
      const leased = await store.leaseDue(leaseOptions('w1', now));
      await store.recordAttempts(leased.map((l, i) => result(l, 'w1', i === 0 ? { state: 'succeeded' } : { state: 'dead' })));
      const stats = await store.endpointAttemptStats(before);
      assert.deepEqual(
        stats.map((s) => [s.endpointId, s.appId, s.attempts, s.failures, s.dead]),
        [[a, app.id, 3, 2, 2]],
      );
      assert.deepEqual(await store.endpointAttemptStats(Date.now() + 60_000), []);
      const conditions = await store.endpointConditions();
      assert.deepEqual(conditions.map((c) => [c.endpointUid, c.appUid, c.disabled, c.breaker]).sort(), [
        ['a', 'shop', false, 'closed'],
        ['b', 'shop', true, 'closed'],
      ]);
      const stripe = await store.sourceActivity('stripe', before);
      assert.equal(stripe.count, 2);
      assert.ok(stripe.lastAt !== null && stripe.lastAt >= before);
      assert.deepEqual(await store.sourceActivity('stripe', Date.now() + 60_000), { count: 0, lastAt: stripe.lastAt });
      assert.deepEqual(await store.sourceActivity('nothing', before), { count: 0, lastAt: null });
      assert.equal(ids.length, 3);
    }));
}
