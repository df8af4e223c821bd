import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { IngestEvent } from '../../src/live/events.ts';
import { LiveFeed, type FeedTimers } from '../../src/live/feed.ts';

/** A clock the test moves, and the one pending flush it fires by hand. */
function manualTimers(start = 1_000_000): FeedTimers & { fire(): void; set: number; at: number } {
  let due: (() => void) | undefined;
  const t = {
    at: start,
    set: 0,
    now: () => t.at,
    later: (fn: () => void) => {
      t.set++;
      due = fn;
      return () => {
        due = undefined;
      };
    },
    fire: () => {
      const fn = due;
      due = undefined;
      fn?.();
    },
  };
  return t;
}

function ingest(n: number, source = 'stripe'): IngestEvent {
  return {
    type: 'ingest',
    at: new Date(0).toISOString(),
    source,
    app: 'app_1',
    msgId: `msg_${n}`,
    eventType: 'invoice.paid',
    eventId: `evt_${n}`,
    decision: 'accepted',
  };
}

const limits = { maxUnsentBytes: 1024 * 1024, maxWaitingEvents: 1000, flushMs: 50 };

function frames(text: string): Array<{ event: string; data: unknown }> {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => ({
      event: /^event: (.+)$/m.exec(block)?.[1] ?? '',
      data: JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? 'null'),
    }));
}

test('feed: events are gathered and written in one chunk per flush, one timer per flush', () => {
  const sink = new PassThrough();
  const timers = manualTimers();
  const feed = new LiveFeed(sink, {}, undefined, limits, timers);
  for (let i = 0; i < 3; i++) assert.equal(feed.offer(ingest(i)), 'gathered');
  assert.equal(timers.set, 1, 'one flush is scheduled for all three');
  assert.equal(sink.readableLength, 0, 'nothing is written before the flush');
  timers.fire();
  const out = frames(sink.read().toString());
  assert.deepEqual(
    out.map((f) => (f.data as IngestEvent).msgId),
    ['msg_0', 'msg_1', 'msg_2'],
  );
  assert.ok(out.every((f) => f.event === 'ingest'));
});

test('feed: the filter is applied before anything else, and a filtered event schedules nothing', () => {
  const sink = new PassThrough();
  const timers = manualTimers();
  const feed = new LiveFeed(sink, { source: 'github' }, 1, limits, timers);
  assert.equal(feed.offer(ingest(1, 'stripe')), 'filtered');
  assert.equal(timers.set, 0);
  assert.equal(feed.offer(ingest(2, 'github')), 'gathered');
});

test('feed: past the rate, events are counted and reported in one skipped frame per flush', () => {
  const sink = new PassThrough();
  const timers = manualTimers();
  const feed = new LiveFeed(sink, {}, 2, limits, timers);
  const verdicts = [0, 1, 2, 3, 4].map((i) => feed.offer(ingest(i)));
  assert.deepEqual(verdicts, ['gathered', 'gathered', 'skipped', 'skipped', 'skipped']);
  timers.fire();
  const out = frames(sink.read().toString());
  assert.deepEqual(
    out.map((f) => f.event),
    ['ingest', 'ingest', 'skipped'],
  );
  assert.deepEqual(out[2]?.data, { count: 3 });
  timers.at += 1000;
  assert.equal(feed.offer(ingest(5)), 'gathered', 'a new second lets events through again');
  timers.fire();
  assert.deepEqual(
    frames(sink.read().toString()).map((f) => f.event),
    ['ingest'],
    'the skipped count was reported once',
  );
});

test('feed: a client that stops reading is reported too slow once the limits are passed, never buffered beyond them', () => {
  // highWaterMark 1: every write "fails", as a socket whose reader stopped does.
  const sink = new PassThrough({ highWaterMark: 1 });
  const timers = manualTimers();
  const feed = new LiveFeed(sink, {}, undefined, { ...limits, maxWaitingEvents: 5 }, timers);
  for (let i = 0; i < 3; i++) feed.offer(ingest(i));
  timers.fire();
  assert.equal(feed.offer(ingest(3)), 'gathered');
  assert.equal(feed.offer(ingest(4)), 'gathered');
  assert.equal(feed.offer(ingest(5)), 'too-slow', '3 written and undrained plus 2 gathered reach the limit of 5');
  feed.drained();
  assert.equal(feed.offer(ingest(6)), 'gathered', 'a drain forgives what was written');
});

test('feed: unsent bytes count too, and a closed feed writes nothing more', () => {
  const sink = new PassThrough({ highWaterMark: 1 });
  const timers = manualTimers();
  const feed = new LiveFeed(sink, {}, undefined, { ...limits, maxUnsentBytes: 300 }, timers);
  feed.offer(ingest(0));
  feed.offer(ingest(1));
  timers.fire();
  assert.ok(sink.writableLength > 300);
  assert.equal(feed.offer(ingest(2)), 'too-slow');
  const closedSink = new PassThrough();
  const closing = new LiveFeed(closedSink, {}, undefined, limits, timers);
  closing.offer(ingest(3));
  closing.close();
  timers.fire();
  assert.equal(closing.offer(ingest(4)), 'filtered');
  assert.equal(closedSink.readableLength, 0);
});
