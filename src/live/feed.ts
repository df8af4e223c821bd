import { matches, type LiveEvent, type LiveFilter } from './events.ts';
import { RateGate } from './rate-gate.ts';

/** Where a feed writes: a socket (`http.ServerResponse`), or any Node writable in a test. */
export interface FeedSink {
  write(chunk: string): boolean;
  readonly writableLength: number;
}

export interface FeedLimits {
  /** Bytes a client may leave unread before it counts as stalled. */
  maxUnsentBytes: number;
  /** Events written but not yet drained, plus those gathered, before the client counts as stalled. */
  maxWaitingEvents: number;
  /** How long events are gathered before one write. */
  flushMs: number;
}

/** What `offer` did with an event; the stream route only acts on `too-slow`. */
export type FeedVerdict = 'filtered' | 'gathered' | 'skipped' | 'too-slow';

export interface FeedTimers {
  now: () => number;
  /** Runs `fn` once after `ms`; returns a function that cancels it. */
  later: (fn: () => void, ms: number) => () => void;
}

const realTimers: FeedTimers = {
  now: Date.now,
  later: (fn, ms) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

/**
 * Each event is serialized once, however many clients it goes to. The bus
 * hands one event to every listener before the next, so remembering the last
 * one is enough (a WeakMap over every event made each a GC ephemeron).
 */
let lastEvent: LiveEvent | undefined;
let lastFrame = '';
function frameOf(event: LiveEvent): string {
  if (event !== lastEvent) {
    lastFrame = `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    lastEvent = event;
  }
  return lastFrame;
}

/**
 * One stream client's share of the live bus: its filter, its rate gate, and
 * the frames gathered for its next write. This is all an open console adds to
 * the ingest path, once per event: a filter test, a clock read and, for the
 * few events the gate lets through, one serialization; the write itself waits
 * for the flush timer, so a busy gateway makes one syscall per client per
 * `flushMs`, not one per request. A client that stops reading is reported as
 * `too-slow` once its unsent bytes or events pass the limits: the caller drops
 * it, nothing is buffered without bound, and ingest never waits for a browser.
 */
export class LiveFeed {
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Events handed to a write that returned false, not yet drained. */
  private waiting = 0;
  private cancelFlush: (() => void) | undefined;
  private closed = false;
  private readonly gate: RateGate | undefined;

  constructor(
    private readonly sink: FeedSink,
    private readonly filter: LiveFilter,
    perSecond: number | undefined,
    private readonly limits: FeedLimits,
    private readonly timers: FeedTimers = realTimers,
  ) {
    this.gate = perSecond === undefined ? undefined : new RateGate(perSecond);
  }

  offer(event: LiveEvent): FeedVerdict {
    if (this.closed || !matches(this.filter, event)) return 'filtered';
    if (
      this.sink.writableLength + this.pendingBytes > this.limits.maxUnsentBytes ||
      this.waiting + this.pending.length >= this.limits.maxWaitingEvents
    ) {
      return 'too-slow';
    }
    if (this.gate && !this.gate.admit(this.timers.now())) {
      this.scheduleFlush();
      return 'skipped';
    }
    const frame = frameOf(event);
    this.pending.push(frame);
    this.pendingBytes += frame.length;
    this.scheduleFlush();
    return 'gathered';
  }

  /** The sink drained what it had buffered. */
  drained(): void {
    this.waiting = 0;
  }

  /** Writes what was gathered, and a `skipped` frame for what the gate held back since the last flush. */
  flush(): void {
    this.cancelFlush = undefined;
    const skipped = this.gate?.takeSkipped() ?? 0;
    if (skipped > 0) this.pending.push(`event: skipped\ndata: {"count":${skipped}}\n\n`);
    if (this.closed || this.pending.length === 0) return;
    const count = this.pending.length;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.sink.write(chunk)) this.waiting += count;
  }

  close(): void {
    this.closed = true;
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private scheduleFlush(): void {
    this.cancelFlush ??= this.timers.later(() => this.flush(), this.limits.flushMs);
  }
}
