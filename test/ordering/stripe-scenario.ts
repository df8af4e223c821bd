import assert from 'node:assert/strict';
import { join } from 'node:path';
import Stripe from 'stripe';
import { parseConfig } from '../../src/gateway/config.ts';
import { startGateway, type Gateway } from '../../src/gateway/gateway.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { prng } from '../faults/hostile-cases.ts';
import { API_TOKEN, LogSink, tempDir } from '../helpers/gateway.ts';
import { checkConsumer, doubledShuffled, FlakyConsumer, sendConcurrently, waitForAll, type Outgoing } from './scenario.ts';

/**
 * Issue 20's scenario, seeded: Stripe `customer.subscription.updated` events
 * over `objects` subscriptions, `perObject` each with increasing `created`,
 * every event sent twice, all shuffled, over 8 connections, to a FIFO endpoint
 * (`stale: deliver`, retries 50ms × 12) whose receiver fails 20% of requests,
 * behind a source `reorderWindow` of 1 s. The seed drives the shuffle and the
 * receiver's failures; timing does the rest.
 */
export interface StripeScenario {
  seed: number;
  objects?: number;
  perObject?: number;
  /** Fail the run when no request reaches the receiver for this long while events are missing. */
  stallMs?: number;
  timeoutMs?: number;
  /**
   * `delivery.batchSize`: the lease pass's read window is eight times it. A small one makes
   * the window small next to the backlog, as the default is next to the backlog a fast
   * machine builds; on this project's shared 2-core machine ingest is too slow for that.
   */
  batchSize?: number;
}

const SECRET = 'whsec_liveness_scenario_secret';
const SENDERS = 8;
const stripe = new Stripe('sk_test_unused');

export interface ScenarioResult {
  events: number;
  sentMs: number;
  deliveredMs: number;
  requests: number;
  stale: number;
  logs: LogSink;
}

function events(objects: number, perObject: number): Outgoing[] {
  const base = 1_760_000_000;
  const out: Outgoing[] = [];
  for (let k = 0; k < objects; k++) {
    for (let seq = 1; seq <= perObject; seq++) {
      const id = `evt_sub${k}_${seq}`;
      const body = JSON.stringify({
        id,
        object: 'event',
        type: 'customer.subscription.updated',
        created: base + seq,
        livemode: false,
        data: { object: { id: `sub_${k}`, object: 'subscription', status: seq % 2 ? 'active' : 'past_due', n: seq } },
      });
      out.push({ id, key: `sub_${k}`, seq, body });
    }
  }
  return out;
}

function configYaml(dir: string, receiverUrl: string, batchSize: number | undefined): string {
  const retry = `[${Array.from({ length: 12 }, () => '50ms').join(', ')}]`;
  return [
    `apiToken: ${API_TOKEN}`,
    'allowPrivateNetworks: true',
    'server: { host: 127.0.0.1, port: 0 }',
    `dataDir: "${dir}"`,
    `storage: { url: "sqlite:${join(dir, 'sluice.db')}" }`,
    ...(batchSize ? [`delivery: { batchSize: ${batchSize} }`] : []),
    'applications:',
    '  billing:',
    '    endpoints:',
    `      - { id: subs, url: "${receiverUrl}", fifo: true, stale: deliver, retry: ${retry} }`,
    'sources:',
    `  stripe: { provider: stripe, secrets: ["${SECRET}"], application: billing, reorderWindow: 1s }`,
    '',
  ].join('\n');
}

/** What the store holds for the endpoint when a run stalls: the counts, then per key the open deliveries. */
async function describeStall(gateway: Gateway): Promise<string> {
  const backlog = await gateway.store.backlog();
  return `backlog ${JSON.stringify(backlog)}, next due ${await gateway.store.nextDueAt()} (now ${Date.now()})`;
}

/** Runs the scenario once on SQLite in this process; throws (with the seed) when something is missing or out of order. */
export async function runStripeScenario(o: StripeScenario): Promise<ScenarioResult> {
  const objects = o.objects ?? 100;
  const perObject = o.perObject ?? 20;
  const random = prng(o.seed);
  const consumer = new FlakyConsumer((body) => {
    const event = body as { created: number; data: { object: { id: string } } };
    return { key: event.data.object.id, seq: event.created - 1_760_000_000 };
  }, random);
  await consumer.start();
  const tmp = tempDir('sluice-liveness-');
  const logs = new LogSink();
  const gateway = await startGateway(
    parseConfig(configYaml(tmp.dir, consumer.url, o.batchSize), 'liveness.yaml', {}, {}),
    createLogger('warn', logs),
  );
  try {
    const queue = doubledShuffled(events(objects, perObject), random);
    const t0 = Date.now();
    await sendConcurrently(queue, SENDERS, async (e) => {
      const header = stripe.webhooks.generateTestHeaderString({ payload: e.body, secret: SECRET });
      const res = await fetch(`${gateway.url}/in/stripe`, {
        method: 'POST',
        body: e.body,
        headers: { 'content-type': 'application/json', 'stripe-signature': header },
      });
      assert.equal(res.status, 200, `seed ${o.seed}: ${await res.text()}`);
    });
    const sentMs = Date.now() - t0;
    const total = objects * perObject;
    try {
      await waitForAll(consumer, total, o.timeoutMs ?? 120_000, { stallMs: o.stallMs ?? 15_000, describe: () => describeStall(gateway) });
    } catch (err) {
      throw new Error(`seed ${o.seed}: ${(err as Error).message}`, { cause: err });
    }
    const flagged = checkConsumer(consumer, total);
    return { events: total, sentMs, deliveredMs: Date.now() - t0, requests: consumer.requests, stale: flagged.length, logs };
  } finally {
    await gateway.stop();
    await consumer.stop();
    tmp.remove();
  }
}
