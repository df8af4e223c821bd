import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The pieces of the disorder scenarios (docs/ordering.md, docs/reliability.md):
 * a consumer that fails a share of requests, the shuffled doubled send, and
 * the checks on what the consumer saw. Used by test/ordering/disorder.test.ts
 * (Standard Webhooks, random) and the liveness scenario (Stripe, seeded).
 */

export interface Seen {
  key: string;
  seq: number;
  stale: boolean;
}

/** One request to send: the event id, the body, and the key and sequence the consumer will read back. */
export interface Outgoing {
  id: string;
  key: string;
  seq: number;
  body: string;
}

/**
 * The consumer: dedupes by webhook-id and records, per key, the order it saw
 * events in. A tenth of requests fail before processing and a tenth after it
 * (recorded, then answered 500), so at-least-once repeats happen. `random` is
 * seeded in the liveness scenario so a failing run can be repeated.
 */
export class FlakyConsumer {
  readonly byWebhookId = new Map<string, Seen>();
  readonly order = new Map<string, Seen[]>();
  requests = 0;
  lastRequestAt = 0;
  private server: Server | undefined;
  url = '';

  constructor(
    private readonly read: (body: unknown) => { key: string; seq: number },
    private readonly random: () => number = Math.random,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests++;
        this.lastRequestAt = Date.now();
        const roll = this.random();
        if (roll < 0.1) return void res.writeHead(500).end('failed before processing');
        const id = String(req.headers['webhook-id']);
        if (!this.byWebhookId.has(id)) {
          const { key, seq } = this.read(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          const seen = { key, seq, stale: req.headers['sluice-stale'] === 'true' };
          this.byWebhookId.set(id, seen);
          this.order.set(key, [...(this.order.get(key) ?? []), seen]);
        }
        if (roll < 0.2) return void res.writeHead(500).end('failed after processing');
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Every item twice, shuffled (Fisher–Yates with `random`). */
export function doubledShuffled<T>(items: T[], random: () => number = Math.random): T[] {
  const out: T[] = items.flatMap((item) => [item, item]);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Sends `queue` over `senders` concurrent loops, each sending its next item as soon as the last was answered. */
export async function sendConcurrently<T>(queue: T[], senders: number, send: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next < queue.length) await send(queue[next++] as T);
    }),
  );
}

/**
 * Waits until the consumer has seen `events` distinct events. `stallMs`: fail
 * early once no request at all has reached the consumer for that long (a stall
 * is what the liveness scenario looks for, and waiting out the whole budget
 * tells nothing more); `describe` adds the gateway's view to the failure.
 */
export async function waitForAll(
  consumer: FlakyConsumer,
  events: number,
  timeoutMs: number,
  opts: { stallMs?: number; describe?: () => Promise<string> } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const started = Date.now();
  while (consumer.byWebhookId.size < events) {
    const quiet = Date.now() - Math.max(consumer.lastRequestAt, started);
    const stalled = opts.stallMs !== undefined && quiet > opts.stallMs;
    if (Date.now() > deadline || stalled) {
      const state = opts.describe ? `; ${await opts.describe()}` : '';
      throw new Error(
        `consumer saw ${consumer.byWebhookId.size} of ${events} events ` +
          `(${stalled ? `no request for ${quiet} ms` : `in ${timeoutMs} ms`})${state}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Exactly one copy of every event; per key, the events not flagged stale in
 * strictly increasing sequence; flagged ones really were late. Returns the
 * webhook-ids of the flagged ones.
 */
export function checkConsumer(consumer: FlakyConsumer, events: number): string[] {
  assert.equal(consumer.byWebhookId.size, events, 'one message per event: the second copy was deduplicated at ingest');
  const distinct = new Set([...consumer.byWebhookId.values()].map((s) => `${s.key}:${s.seq}`));
  assert.equal(distinct.size, events, 'every event arrived, none under two message ids');
  for (const [key, seen] of consumer.order) {
    let high = 0;
    for (const s of seen) {
      if (s.stale) assert.ok(s.seq < high, `${key}:${s.seq} was flagged stale but nothing later had been delivered (high ${high})`);
      else assert.ok(s.seq > high, `${key}: ${s.seq} arrived after ${high} without the stale flag`);
      high = Math.max(high, s.seq);
    }
  }
  return [...consumer.byWebhookId.entries()]
    .filter(([, s]) => s.stale)
    .map(([id]) => id)
    .sort();
}
