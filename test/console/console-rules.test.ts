import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sameOrigin, signInDelayMs, SignInThrottle } from '../../src/auth/console-session.ts';
import { healthSummary, quantile } from '../../src/http/api/endpoint-health.ts';
import { fillSeries } from '../../src/http/api/overview.ts';
import { parseEventTypes } from '../../src/http/api/stream.ts';
import { redactHeaders, SourceRateCap } from '../../src/ingest/rejection-log.ts';
import { explainRejection } from '../../src/ingest/rejection-reason.ts';
import { LiveBus } from '../../src/live/bus.ts';
import { matches, type AttemptEvent, type IngestEvent } from '../../src/live/events.ts';
import { countEvent } from '../../src/live/flow-counter.ts';
import type { FlowRow } from '../../src/store/console.ts';

const ingest = (over: Partial<IngestEvent> = {}): IngestEvent => ({
  type: 'ingest',
  at: '2026-01-01T00:00:00.000Z',
  source: 'stripe',
  app: 'app_1',
  msgId: 'msg_1',
  eventType: 'invoice.paid',
  eventId: 'evt_1',
  decision: 'accepted',
  ...over,
});
const attempt = (over: Partial<AttemptEvent> = {}): AttemptEvent => ({
  type: 'attempt',
  at: '2026-01-01T00:00:00.000Z',
  app: 'app_1',
  endpointId: 'ep_1',
  msgId: 'msg_1',
  deliveryId: 'dlv_1',
  eventType: 'invoice.paid',
  status: 200,
  outcome: 'succeeded',
  durationMs: 12,
  ...over,
});

describe('console rules', () => {
  it("explains rejections in plain words, with the timestamp's age when the request carried one", () => {
    const at = Date.UTC(2026, 0, 1, 12, 0, 0);
    const nineMinutesAgo = String(at / 1000 - 9 * 60);
    assert.equal(
      explainRejection('webhook-timestamp is too old', { 'webhook-timestamp': nineMinutesAgo }, at),
      "timestamp 9 minutes old: check the sender's clock, or this is a replay of an old request",
    );
    assert.equal(
      explainRejection('webhook-timestamp is in the future', { 'webhook-timestamp': String(at / 1000 + 600) }, at),
      "timestamp 10 minutes in the future: check the sender's clock",
    );
    assert.equal(
      explainRejection('Stripe-Signature is outside the tolerance', { 'stripe-signature': `t=${at / 1000 - 7200},v1=abc` }, at),
      "timestamp 2 hours old: check the sender's clock, or this is a replay of an old request",
    );
    assert.equal(
      explainRejection('no signature matches', {}, at),
      'no signature matches: the secret may have been rotated, or the body was changed on the way',
    );
    assert.match(
      explainRejection('no signature matches (check publicUrl: Twilio signs the URL it called)', {}, at),
      /rotated.*\(check publicUrl: Twilio signs the URL it called\)$/,
    );
    assert.match(explainRejection('missing Stripe-Signature header', {}, at), /^not signed \(no Stripe-Signature header\)/);
    assert.match(explainRejection('X-Slack-Signature does not start with v0=', {}, at), /^the signature is malformed/);
    assert.match(explainRejection('signature.token was already used (replay)', {}, at), /^a replay/);
    assert.equal(explainRejection('something new', {}, at), 'something new');
  });

  it('slows repeated sign-in failures: nothing for three, then doubling to a cap; a success forgets', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 20].map((n) => signInDelayMs(n, 250, 5000)),
      [0, 0, 0, 250, 500, 1000, 5000],
    );
    const t = new SignInThrottle(250, 5000);
    const now = 1_000_000;
    assert.deepEqual([t.fail('a', now), t.fail('a', now), t.fail('a', now), t.fail('a', now), t.fail('b', now)], [0, 0, 0, 250, 0]);
    t.succeed('a');
    assert.equal(t.fail('a', now), 0);
    for (let i = 0; i < 5; i++) t.fail('c', now);
    assert.equal(t.fail('c', now + 16 * 60_000), 0, 'forgotten after a quiet quarter hour');
  });

  it("accepts a change only from the console's own origin", () => {
    assert.equal(sameOrigin({ origin: 'http://127.0.0.1:8787' }, 'http://127.0.0.1:8787'), true);
    assert.equal(sameOrigin({ origin: 'http://evil.example' }, 'http://127.0.0.1:8787'), false);
    assert.equal(sameOrigin({ 'sec-fetch-site': 'same-origin' }, 'http://127.0.0.1:8787'), true);
    assert.equal(sameOrigin({ 'sec-fetch-site': 'cross-site' }, 'http://127.0.0.1:8787'), false);
    assert.equal(sameOrigin({}, 'http://127.0.0.1:8787'), false);
  });

  it('counts decisions and outcomes per minute and source', () => {
    const rows = new Map<string, FlowRow>();
    const t = Date.UTC(2026, 0, 1, 12, 0, 30);
    countEvent(rows, ingest(), { source: 'stripe' }, t);
    countEvent(rows, ingest({ decision: 'duplicate' }), { source: 'stripe' }, t);
    countEvent(rows, ingest({ decision: 'rejected', msgId: null }), { source: 'stripe' }, t + 10_000);
    countEvent(rows, ingest({ decision: 'invalid' }), { source: 'stripe' }, t + 40_000);
    countEvent(rows, attempt(), { source: 'stripe', latencyMs: 120 }, t);
    countEvent(rows, attempt({ outcome: 'dead', status: 500 }), { source: '' }, t);
    const all = [...rows.values()].sort((a, b) => a.minute - b.minute || a.source.localeCompare(b.source));
    assert.deepEqual(
      all.map((r) => [
        r.minute - Date.UTC(2026, 0, 1, 12),
        r.source,
        r.received,
        r.verified,
        r.rejected,
        r.duplicates,
        r.delivered,
        r.failed,
        r.latencySumMs,
      ]),
      [
        [0, '', 0, 0, 0, 0, 0, 1, 0],
        [0, 'stripe', 3, 2, 1, 1, 1, 0, 120],
        [60_000, 'stripe', 1, 1, 0, 0, 0, 0, 0],
      ],
    );
  });

  it("summarises an endpoint's health from its latest attempts", () => {
    assert.equal(quantile([], 0.5), null);
    assert.deepEqual([quantile([1, 2, 3, 4], 0.5), quantile([1, 2, 3, 4], 0.99), quantile([7], 0.99)], [2, 4, 7]);
    const now = 1_000_000;
    const s = healthSummary(
      [
        { startedAt: now - 10, durationMs: 30, status: 200, succeeded: true, error: null },
        { startedAt: now - 20, durationMs: 900, status: null, succeeded: false, error: 'timed out' },
        { startedAt: now - 30, durationMs: 10, status: 500, succeeded: false, error: null },
      ],
      {
        throttleNextAt: now + 500,
        breaker: 'half_open',
        breakerUntil: now + 100,
        consecutiveFailures: 0,
        failingSince: null,
        windowStart: null,
        windowTotal: 0,
        windowFailures: 0,
      },
      now,
    );
    assert.deepEqual(
      [s.sample, s.successRate, s.p50Ms, s.p99Ms, s.breaker, s.lastError?.error, s.throttledUntil],
      [3, 1 / 3, 30, 900, 'half_open', 'timed out', new Date(now + 500).toISOString()],
    );
    assert.equal(healthSummary([], null, now).breaker, 'closed');
  });

  it('fills every bucket of the window', () => {
    const pts = fillSeries([{ minute: 120_000, received: 2, delivered: 1, failed: 0 }], 30_000, 200_000, 60_000);
    assert.deepEqual(
      pts.map((p) => [p.at, p.received]),
      [
        [0, 0],
        [60_000, 0],
        [120_000, 2],
        [180_000, 0],
      ],
    );
  });

  it('filters the stream by application, source, endpoint and kind; events=… names a bad kind', () => {
    assert.equal(matches({}, ingest()), true);
    assert.equal(matches({ app: 'app_2' }, ingest()), false);
    assert.equal(matches({ source: 'stripe' }, ingest()), true);
    assert.equal(matches({ source: 'stripe' }, attempt()), false);
    assert.equal(matches({ endpoint: 'ep_1' }, attempt()), true);
    assert.equal(matches({ endpoint: 'ep_1' }, ingest()), false);
    assert.equal(matches({ types: new Set(['attempt']) }, ingest()), false);
    assert.deepEqual([...(parseEventTypes('ingest, attempt') ?? [])], ['ingest', 'attempt']);
    assert.throws(() => parseEventTypes('ingest,deliveries'), /events: "deliveries" is not an event kind/);
  });

  it('a bus drops a listener that throws and keeps serving the others', () => {
    const errors: unknown[] = [];
    const bus = new LiveBus((err) => errors.push(err));
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error('broken client');
    });
    bus.subscribe((e) => seen.push(e.type));
    bus.publish(ingest(), { source: 'stripe' });
    bus.publish(attempt(), { source: 'stripe' });
    assert.deepEqual(seen, ['ingest', 'attempt']);
    assert.equal(bus.size, 1);
    assert.equal(errors.length, 1);
  });

  it('rejected requests: capped per source, secrets withheld', () => {
    const cap = new SourceRateCap(5);
    const now = 1_000_000;
    const first = Array.from({ length: 8 }, () => cap.take('stripe', now)).filter(Boolean).length;
    assert.equal(first, 5);
    assert.equal(cap.take('github', now), true, 'each source has its own budget');
    assert.equal(cap.take('stripe', now + 200), true, 'one more after a fifth of a second');
    assert.equal(cap.take('stripe', now + 200), false);
    assert.deepEqual(
      redactHeaders({
        'stripe-signature': 't=1,v1=abc',
        authorization: 'Bearer x',
        'x-hub-signature-256': 'sha256=…',
        'content-type': 'application/json',
        'x-gitlab-token': 'secret',
      }),
      {
        'stripe-signature': '[redacted]',
        authorization: '[redacted]',
        'x-hub-signature-256': '[redacted]',
        'content-type': 'application/json',
        'x-gitlab-token': '[redacted]',
      },
    );
  });
});
