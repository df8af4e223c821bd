import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluate, retryDelay } from '../../src/alerts/evaluator.ts';
import { inScope, learnedSilenceMs, observe, type Facts, type Observation } from '../../src/alerts/rules.ts';
import { step } from '../../src/alerts/state-machine.ts';
import type { RuleConfig } from '../../src/config/alerts.ts';
import type { AlertState } from '../../src/store/alerts.ts';

function rule(over: Partial<RuleConfig> = {}): RuleConfig {
  return {
    name: 'r',
    kind: 'endpoint-failure-rate',
    scope: {},
    channels: ['c'],
    threshold: 0.5,
    windowMs: 60_000,
    minAttempts: 3,
    fireAfter: 1,
    clearAfter: 2,
    repeatMs: 3_600_000,
    severity: 'error',
    ...over,
  };
}
const obs = (breach: boolean, value = breach ? 1 : 0): Observation => ({
  subject: 's',
  value,
  breach,
  detail: { summary: `v=${value}`, labels: {} },
});

function facts(over: Partial<Facts> = {}): Facts {
  return {
    now: 1_000_000,
    attempts: new Map(),
    endpoints: [],
    queue: { oldestDueAt: null, waiting: 0 },
    sources: new Map(),
    rejections: new Map(),
    reconcile: new Map(),
    ...over,
  };
}

describe('alert state machine (pure, injected clock)', () => {
  test('fires once, repeats after the interval, resolves once after clearAfter clean readings', () => {
    const r = rule({ fireAfter: 2, clearAfter: 2, repeatMs: 1000 });
    const kinds: Array<string | null> = [];
    let state: AlertState | undefined;
    const readings = [true, false, true, true, true, true, false, true, false, false, false];
    readings.forEach((b, i) => {
      const out = step(r, 's', state, obs(b), i * 600);
      kinds.push(out.transition);
      state = out.next ?? undefined;
    });
    // One breach is not enough (fireAfter 2); a single clean reading does not resolve (clearAfter 2).
    assert.deepEqual(kinds, [null, null, null, 'firing', null, 'repeat', null, 'repeat', null, 'resolved', null]);
    assert.equal(state, undefined, 'nothing to remember once resolved');
  });

  test('a subject the rule stops seeing counts as clear', () => {
    const r = rule({ clearAfter: 1 });
    const fired = step(r, 's', undefined, obs(true), 0);
    assert.equal(fired.transition, 'firing');
    const gone = step(r, 's', fired.next!, undefined, 10);
    assert.equal(gone.transition, 'resolved');
  });

  test("evaluate writes one event per transition, with the rule's channels, and forgets removed rules", () => {
    const r = rule({ clearAfter: 1 });
    const observations = new Map([
      [
        'r',
        [
          { ...obs(true), subject: 'ep_1' },
          { ...obs(false), subject: 'ep_2' },
        ],
      ],
    ]);
    const old: AlertState = {
      rule: 'gone',
      subject: 'x',
      status: 'firing',
      breaches: 1,
      clears: 0,
      value: 1,
      detail: { summary: '', labels: {} },
      since: 0,
      lastNotifiedAt: 0,
      updatedAt: 0,
    };
    const first = evaluate([r], [old], observations, 100);
    assert.deepEqual(
      first.events.map((e) => [e.event.subject, e.event.kind, e.channels]),
      [['ep_1', 'firing', ['c']]],
    );
    assert.deepEqual(first.forget, [{ rule: 'gone', subject: 'x' }]);
    assert.deepEqual(
      first.upsert.map((s) => [s.subject, s.status]),
      [['ep_1', 'firing']],
    );
    const again = evaluate([r], first.upsert, observations, 200);
    assert.deepEqual(again.events, [], 'still firing: no second notification');
    const cleared = evaluate([r], first.upsert, new Map([['r', [{ ...obs(false), subject: 'ep_1' }]]]), 300);
    assert.deepEqual(
      cleared.events.map((e) => e.event.kind),
      ['resolved'],
    );
    assert.deepEqual(cleared.forget, [{ rule: 'r', subject: 'ep_1' }]);
  });

  test('retry backoff doubles and is capped', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 10].map((n) => retryDelay(n, 100, 500)),
      [100, 200, 400, 500, 500],
    );
  });
});

describe('alert rules read the facts', () => {
  const endpoints = [
    {
      endpointId: 'ep_a',
      appId: 'app_1',
      appUid: 'shop',
      endpointUid: 'a',
      url: 'http://a',
      disabled: false,
      disabledReason: null,
      breaker: 'closed' as const,
    },
    {
      endpointId: 'ep_b',
      appId: 'app_2',
      appUid: 'other',
      endpointUid: 'b',
      url: 'http://b',
      disabled: true,
      disabledReason: '410 Gone',
      breaker: 'open' as const,
    },
  ];

  test('failure rate needs the minimum of attempts', () => {
    const f = facts({
      endpoints,
      attempts: new Map([
        [
          60_000,
          [
            { endpointId: 'ep_a', appId: 'app_1', attempts: 4, failures: 3, dead: 1 },
            { endpointId: 'ep_b', appId: 'app_2', attempts: 2, failures: 2, dead: 0 },
          ],
        ],
      ]),
    });
    const out = observe(rule(), f);
    assert.deepEqual(
      out.map((o) => [o.subject, o.breach, o.value]),
      [
        ['ep_a', true, 0.75],
        ['ep_b', false, 1],
      ],
    );
    assert.match(out[0]!.detail.summary, /shop\/a: 75% of 4 attempts failed/);
    assert.deepEqual(
      observe(rule({ scope: { application: 'other' } }), f).map((o) => o.subject),
      ['ep_b'],
    );
    assert.deepEqual(
      observe(rule({ kind: 'dead-deliveries', threshold: 1 }), f).map((o) => [o.subject, o.breach]),
      [
        ['ep_a', true],
        ['ep_b', false],
      ],
    );
  });

  test('disabled endpoints and open breakers; queue lag and backlog', () => {
    assert.deepEqual(
      observe(rule({ kind: 'endpoint-disabled' }), facts({ endpoints })).map((o) => [o.subject, o.breach]),
      [
        ['ep_a', false],
        ['ep_b', true],
      ],
    );
    const q = facts({ queue: { oldestDueAt: 1_000_000 - 400_000, waiting: 12 } });
    assert.deepEqual(
      observe(rule({ kind: 'queue-lag', threshold: 300_000 }), q).map((o) => [o.subject, o.breach, o.value]),
      [['queue', true, 400_000]],
    );
    assert.deepEqual(
      observe(rule({ kind: 'backlog', threshold: 100 }), q).map((o) => o.breach),
      [false],
    );
  });

  test('source silence: set explicitly, or learned from enough history', () => {
    assert.equal(learnedSilenceMs(5), null, 'too little history');
    assert.equal(learnedSilenceMs(10_000), 15 * 60_000, 'a busy source: the floor');
    assert.equal(learnedSilenceMs(20), (10 * (7 * 86_400_000)) / 20);
    const sources = new Map([
      ['stripe', { appId: 'app_1', lastAt: 1_000_000 - 120_000, lookbackCount: 3 }],
      ['never', { appId: 'app_1', lastAt: null, lookbackCount: 0 }],
    ]);
    assert.deepEqual(
      observe(rule({ kind: 'source-silence', threshold: 60_000 }), facts({ sources })).map((o) => [o.subject, o.breach]),
      [['source:stripe', true]],
    );
    assert.deepEqual(observe(rule({ kind: 'source-silence', threshold: null }), facts({ sources })), [], 'not learned yet: nothing to say');
    assert.ok(
      inScope(rule({ scope: { source: 'stripe' } }), { appId: 'app_1', endpointId: 'ep_a' }, facts({ sources })),
      "endpoints of the source's application",
    );
  });

  test('signature rejections and reconciliation gaps', () => {
    const f = facts({
      rejections: new Map([
        [
          60_000,
          new Map([
            ['stripe', 12],
            ['github', 1],
          ]),
        ],
      ]),
      reconcile: new Map([['stripe', { runId: 'rec_1', missing: 2, ids: ['evt_1', 'evt_2'], finishedAt: 0 }]]),
    });
    assert.deepEqual(
      observe(rule({ kind: 'signature-rejections', threshold: 10 }), f).map((o) => [o.subject, o.breach]),
      [
        ['source:stripe', true],
        ['source:github', false],
      ],
    );
    const gap = observe(rule({ kind: 'reconcile-gap', threshold: 1 }), f);
    assert.deepEqual(
      gap.map((o) => [o.subject, o.breach, o.detail.ids]),
      [['source:stripe', true, ['evt_1', 'evt_2']]],
    );
    assert.match(gap[0]!.detail.summary, /found 2 events .*evt_1, evt_2/);
  });
});
