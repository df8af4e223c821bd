import type { Logger } from '../observability/logger.ts';
import type { Store } from '../store/store.ts';
import type { LiveBus } from './bus.ts';
import type { LiveEvent, LiveExtra } from './events.ts';

/** A process with a stream open says so this often; the others forward for `DEMAND_TTL_MS` after the last word. */
const DEMAND_EVERY_MS = 5_000;
const DEMAND_TTL_MS = 15_000;
/** Events forwarded per flush at most: a stream is for eyes, not a copy of the traffic. The rest are counted as dropped. */
const MAX_PER_FLUSH = 200;
/** NOTIFY payloads are limited to 8,000 bytes. */
const MAX_PAYLOAD = 7_500;

interface Shared {
  origin: string;
  demand?: true;
  events?: Array<[LiveEvent, LiveExtra]>;
  dropped?: number;
}

/**
 * Carries live-stream events between processes sharing a PostgreSQL database,
 * so a console connected to any process sees every process's traffic. Chosen
 * over polling recent rows because duplicates and rejections are never stored
 * as messages, and because it costs nothing while no console is open: a
 * process forwards only while some process has a stream client (it says so by
 * a "demand" notification every few seconds). Forwarding is batched every
 * 250 ms (a periodic job, src/gateway/maintenance.ts) into NOTIFYs of at most
 * 7.5 KB, at most 200 events per batch; the ingest path only appends to an array.
 */
export class LiveRelay {
  private pending: Array<[LiveEvent, LiveExtra]> = [];
  private dropped = 0;
  private demandUntil = 0;
  private lastDemandSent = 0;
  private unsubscribe: (() => void) | undefined;
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly bus: LiveBus,
    private readonly store: Store,
    private readonly origin: string,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    if (!this.enabled) return;
    this.unsubscribe = this.bus.subscribe((event, extra) => {
      if (extra.remote || this.clock() > this.demandUntil) return;
      if (this.pending.length >= MAX_PER_FLUSH) this.dropped++;
      else this.pending.push([event, extra]);
    });
    this.stopListening = this.store.onLive(
      (payload) => this.heard(payload),
      (err) => this.log.warn({ err }, 'live: lost the cross-process channel; retrying'),
    );
  }

  /** Whether this process shares events at all: only PostgreSQL carries them between processes. */
  get enabled(): boolean {
    return this.store.kind === 'postgres';
  }

  private heard(payload: string): void {
    let shared: Shared;
    try {
      shared = JSON.parse(payload) as Shared;
    } catch {
      return;
    }
    if (shared.origin === this.origin) return;
    if (shared.demand) this.demandUntil = this.clock() + DEMAND_TTL_MS;
    for (const [event, extra] of shared.events ?? []) this.bus.publish(event, { ...extra, remote: true });
  }

  /** Sends what was gathered since the last flush, and this process's demand when it has a stream open (never throws). */
  async flush(): Promise<void> {
    const now = this.clock();
    try {
      if (this.bus.watchers > 0 && now - this.lastDemandSent >= DEMAND_EVERY_MS) {
        this.lastDemandSent = now;
        await this.store.shareLive(JSON.stringify({ origin: this.origin, demand: true } satisfies Shared));
      }
      if (this.pending.length === 0) return;
      const events = this.pending;
      const dropped = this.dropped;
      this.pending = [];
      this.dropped = 0;
      let batch: Array<[LiveEvent, LiveExtra]> = [];
      let size = 0;
      for (const item of events) {
        const bytes = Buffer.byteLength(JSON.stringify(item));
        if (bytes > MAX_PAYLOAD - 100) continue;
        if (size + bytes > MAX_PAYLOAD - 100 && batch.length > 0) {
          await this.store.shareLive(JSON.stringify({ origin: this.origin, events: batch } satisfies Shared));
          batch = [];
          size = 0;
        }
        batch.push(item);
        size += bytes + 1;
      }
      if (batch.length > 0)
        await this.store.shareLive(
          JSON.stringify({ origin: this.origin, events: batch, ...(dropped ? { dropped } : {}) } satisfies Shared),
        );
    } catch (err) {
      this.log.warn({ err }, 'live: could not share events with the other processes; dropped');
    }
  }

  stop(): void {
    this.unsubscribe?.();
    this.stopListening?.();
  }
}
