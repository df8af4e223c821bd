/**
 * The load generator, run in its own process so its CPU is not Sluice's:
 * `node --import tsx bench/loadgen.ts '<json options>'`. Prints one JSON line
 * (`LoadResult`) and exits. Every request is signed when it is sent (a unique
 * `webhook-id` and a fresh timestamp), as a real sender does.
 *
 * closed: `connections` senders each wait for their answer before the next
 * request (maximum throughput). open: requests leave on a fixed schedule
 * whatever the answers do, and latency counts from the scheduled time, so a
 * stalled server cannot hide its stall (no coordinated omission).
 */
import { Pool } from 'undici';
import { PayloadFactory, type Signing } from './lib/payload.ts';
import { Samples, preciseNow, round, summarize, type LatencySummary } from './lib/stats.ts';

export interface LoadOptions {
  /** Where to send, e.g. `http://127.0.0.1:8787/in/bench`. Several targets share the load round-robin. */
  targets: string[];
  mode: 'closed' | 'open';
  connections: number;
  /** Requests per second (open mode). */
  rate: number;
  warmupMs: number;
  durationMs: number;
  bodySize: number;
  /** Unique per run: webhook ids are `<idPrefix>_<n>`. */
  idPrefix: string;
  /** Standard Webhooks unless said (a peer checks its own scheme); either way each request is signed when it is sent. */
  signing?: Signing;
}

export interface LoadResult {
  sent: number;
  ok: number;
  statuses: Record<string, number>;
  errors: Record<string, number>;
  /** Measured window (after warm-up), epoch ms. */
  windowStart: number;
  windowEnd: number;
  /** 2xx answers per second within the window. */
  okPerSec: number;
  latencyMs: LatencySummary;
  /** Worst latency per second of the run (ms since the window opened → ms): where stalls happened. */
  worstPerSecond: Array<[number, number]>;
}

const MAX_OUTSTANDING = 20_000;

async function run(o: LoadOptions): Promise<LoadResult> {
  const factory = new PayloadFactory(o.bodySize);
  const pools = o.targets.map((t) => {
    const url = new URL(t);
    return {
      pool: new Pool(url.origin, {
        connections: Math.max(1, Math.ceil(o.connections / o.targets.length)),
        pipelining: 1,
        keepAliveTimeout: 30_000,
      }),
      path: url.pathname,
    };
  });
  const latencies = new Samples();
  const worst = new Map<number, number>();
  const statuses: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let seq = 0;
  let sent = 0;
  let okInWindow = 0;
  let outstanding = 0;
  const start = preciseNow();
  const windowStart = start + o.warmupMs;
  const end = windowStart + o.durationMs;

  const send = async (scheduledAt: number): Promise<void> => {
    const n = seq++;
    const target = pools[n % pools.length] as (typeof pools)[number];
    const { body, headers } = factory.make(`${o.idPrefix}_${n}`, undefined, o.signing);
    sent++;
    outstanding++;
    try {
      const res = await target.pool.request({ path: target.path, method: 'POST', headers, body });
      await res.body.dump();
      const done = preciseNow();
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      if (scheduledAt >= windowStart && scheduledAt < end) {
        latencies.push(done - scheduledAt);
        const second = Math.floor((scheduledAt - windowStart) / 1000);
        worst.set(second, Math.max(worst.get(second) ?? 0, round(done - scheduledAt, 1)));
      }
      if (done >= windowStart && done <= end && res.statusCode >= 200 && res.statusCode < 300) okInWindow++;
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).name;
      errors[code] = (errors[code] ?? 0) + 1;
    } finally {
      outstanding--;
    }
  };

  if (o.mode === 'closed') {
    await Promise.all(
      Array.from({ length: o.connections }, async () => {
        while (preciseNow() < end) await send(preciseNow());
      }),
    );
  } else {
    const interval = 1000 / o.rate;
    let issued = 0;
    const inFlight = new Set<Promise<void>>();
    while (preciseNow() < end) {
      const due = Math.floor((preciseNow() - start) / interval);
      while (issued < due && outstanding < MAX_OUTSTANDING) {
        const p = send(start + issued * interval);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        issued++;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    // Answers still coming are late by definition: wait for them (bounded) so they count in the latency tail.
    await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 10_000))]);
  }
  await Promise.all(pools.map((p) => p.pool.close()));
  return {
    sent,
    ok: Object.entries(statuses).reduce((sum, [s, n]) => (Number(s) < 300 && Number(s) >= 200 ? sum + n : sum), 0),
    statuses,
    errors,
    windowStart,
    windowEnd: end,
    okPerSec: round(okInWindow / (o.durationMs / 1000), 1),
    latencyMs: summarize(latencies.values()),
    worstPerSecond: [...worst.entries()].sort((a, b) => a[0] - b[0]),
  };
}

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const result = await run(options);
process.stdout.write(`${JSON.stringify(result)}\n`);
