import { figure, type ScenarioResult } from '../lib/figures.ts';
import type { Harness } from '../lib/harness.ts';
import { procCpuMs } from '../lib/proc-status.ts';
import { BENCH_TOKEN } from '../lib/sluice.ts';
import type { LoadResult } from '../loadgen.ts';
import { measureStreamCost } from '../stream-cost.ts';

/**
 * What the console asks of the stream (`SHOWN_PER_SECOND` in web/src/components/LiveStream.tsx): at most 25 events
 * a second, the rest counted in `skipped` frames. `sluice tail` asks for everything; that costs more (see
 * docs/benchmarks.md), but a terminal tail is a developer's tool, not the console the bound is about.
 * `BENCH_STREAM_QUERY` replaces the query (`events=attempt` on this ingest-only run: a client that matches nothing).
 */
const CONSOLE_QUERY = process.env.BENCH_STREAM_QUERY ?? 'maxPerSecond=25';

/**
 * The console's Overview page refetches its counters every 3 s, and a second and a half after a live event (at
 * most once a second: web/src/pages/Overview.tsx); under load that is about once a second.
 */
const OVERVIEW_EVERY_MS = 1_000;
const OVERVIEW_PATH = '/api/v1/stats/overview?window=1h';
const OVERVIEW_SAMPLES = 50;

/** A console on its Overview page, as a browser runs it: the live stream with every frame parsed, and the counters refetched. */
class StreamClient {
  events = 0;
  skipped = 0;
  overviews = 0;
  ended: string | null = null;
  private readonly controller = new AbortController();
  private done: Promise<void> = Promise.resolve();
  private poll: NodeJS.Timeout | undefined;

  async open(url: string): Promise<void> {
    this.poll = setInterval(() => {
      fetch(`${url}${OVERVIEW_PATH}`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` }, signal: this.controller.signal })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status === 200) this.overviews++;
          else this.ended = `the overview answered ${res.status}`;
        })
        .catch((err: unknown) => {
          if (!this.controller.signal.aborted) this.ended = `the overview failed: ${(err as Error).message}`;
        });
    }, OVERVIEW_EVERY_MS);
    const res = await fetch(`${url}/api/v1/stream?${CONSOLE_QUERY}`, {
      headers: { authorization: `Bearer ${BENCH_TOKEN}` },
      signal: this.controller.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`the stream answered ${res.status}`);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    this.done = (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) {
            this.ended = 'the server closed the stream';
            return;
          }
          buffer += decoder.decode(value, { stream: true });
          for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const data = /^data: (.+)$/m.exec(block)?.[1];
            if (data !== undefined) {
              const parsed = JSON.parse(data) as { count?: number };
              if (block.startsWith('event: skipped')) this.skipped += parsed.count ?? 0;
              else this.events++;
            }
          }
        }
      } catch (err) {
        if (!this.controller.signal.aborted) this.ended = (err as Error).message;
      }
    })();
  }

  async close(): Promise<void> {
    clearInterval(this.poll);
    this.controller.abort();
    await this.done;
  }
}

/** Pairs of runs (one without a stream, one with) per scenario; more pairs average out a busy neighbour. */
const PAIRS = 5;

/**
 * (f) What a console open and streaming costs ingest: the closed-loop ingest
 * run of (a) on one gateway, without and with a client on /api/v1/stream,
 * back to back in pairs (after one uncounted run), the order flipping every
 * pair. Each pair's ratio compares two neighbouring runs, so drift over the
 * scenario (a store growing, a neighbour's load coming and going) cancels;
 * the figure is the median of the pairs' ratios. The bound is 3 %.
 */
export async function streamScenario(h: Harness): Promise<ScenarioResult> {
  const { connections, durationMs } = h.opts;
  const store = await h.newStore('stream');
  /** `cpuPerKReq`: the gateway's CPU ms per 1,000 answered requests over the whole run (warm-up included). */
  type Run = {
    stream: 'with' | 'without';
    load: LoadResult;
    events: number;
    overviews: number;
    skipped: number;
    ended: string | null;
    cpuPerKReq: number;
  };
  const pairs: Array<{ without: Run; with: Run }> = [];
  let overviewCpuMs = 0;
  const run = await h.withSluice(h.setup(store, []), async (nodes) => {
    const node = nodes[0];
    if (!node) throw new Error('no Sluice process');
    const targets = nodes.map((n) => `${n.url}/in/bench`);
    const once = async (stream: Run['stream']): Promise<Run> => {
      const client = stream === 'with' ? new StreamClient() : undefined;
      await client?.open(node.url);
      try {
        const cpuBefore = procCpuMs(node.child.pid) ?? 0;
        const load = await h.load({ targets, mode: 'closed', connections, rate: 0, durationMs });
        const cpu = (procCpuMs(node.child.pid) ?? 0) - cpuBefore;
        return {
          stream,
          load,
          events: client?.events ?? 0,
          overviews: client?.overviews ?? 0,
          skipped: client?.skipped ?? 0,
          ended: client?.ended ?? null,
          cpuPerKReq: load.ok > 0 ? (cpu / load.ok) * 1000 : 0,
        };
      } finally {
        await client?.close();
      }
    };
    // A fresh process is slower for its first seconds (JIT, an empty store's first pages): one run, not counted.
    await once('without');
    for (let i = 0; i < PAIRS; i++) {
      if (i % 2 === 0) {
        const without = await once('without');
        pairs.push({ without, with: await once('with') });
      } else {
        const withStream = await once('with');
        pairs.push({ without: await once('without'), with: withStream });
      }
    }
    // The overview's own cost, on the store the runs filled: the gateway's CPU over sequential requests.
    const cpuBefore = procCpuMs(node.child.pid) ?? 0;
    for (let i = 0; i < OVERVIEW_SAMPLES; i++) {
      const res = await fetch(`${node.url}${OVERVIEW_PATH}`, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`the overview answered ${res.status}`);
    }
    overviewCpuMs = ((procCpuMs(node.child.pid) ?? 0) - cpuBefore) / OVERVIEW_SAMPLES;
  });
  const ratios = pairs.map((p) => (p.without.load.okPerSec > 0 ? p.with.load.okPerSec / p.without.load.okPerSec : 0)).sort((a, b) => a - b);
  const ratio = ratios[Math.floor(ratios.length / 2)] ?? 0;
  const mean = (which: 'with' | 'without', f: (l: LoadResult) => number) =>
    pairs.reduce((sum, p) => sum + f(p[which].load), 0) / pairs.length;
  const cpu = (which: 'with' | 'without') => Math.round((pairs.reduce((sum, p) => sum + p[which].cpuPerKReq, 0) / pairs.length) * 10) / 10;
  // The pairs' noise on two shared cores is larger than the bound, so the cost is also measured alone: the
  // gateway's own CPU per request against what a console's feed adds to publishing each event at that rate.
  const perRequestUs = cpu('without');
  const alone = await measureStreamCost({
    ratePerSec: Math.max(
      1,
      mean('without', (l) => l.okPerSec),
    ),
  });
  const feedShare = perRequestUs > 0 ? (alone.consoleAddedUs / perRequestUs) * 100 : 0;
  // The overview's CPU each second, against the gateway's CPU for a second of ingest at the measured rate.
  const ingestCpuMsPerSec = (mean('without', (l) => l.okPerSec) * perRequestUs) / 1000;
  const overviewShare = ingestCpuMsPerSec > 0 ? ((overviewCpuMs * (1000 / OVERVIEW_EVERY_MS)) / ingestCpuMsPerSec) * 100 : 0;
  const addedShare = feedShare + overviewShare;
  const tailShare = perRequestUs > 0 ? (alone.tailAddedUs / perRequestUs) * 100 : 0;
  const runs = pairs.flatMap((p, i) => (i % 2 === 0 ? [p.without, p.with] : [p.with, p.without]));
  const notes: string[] = [
    `the stream client asks what the console asks: ${CONSOLE_QUERY}`,
    `baseline column: the same gateway without a stream client, mean of ${PAIRS} runs; the ratio is the median of the ${PAIRS} pairs' with/without: ${ratio.toFixed(3)} (pairs: ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
    `runs in order: ${runs.map((r) => `${r.stream} ${Math.round(r.load.okPerSec).toLocaleString('en-US')}${r.stream === 'with' ? ` (${r.events.toLocaleString('en-US')} events streamed, ${r.skipped.toLocaleString('en-US')} counted as skipped, ${r.overviews} overviews)` : ''}`).join(', ')} req/s`,
  ];
  notes.push(
    `measured alone (bench/stream-cost.ts: ${alone.rounds} alternating rounds of ${alone.events.toLocaleString('en-US')} events at ${Math.round(alone.ratePerSec).toLocaleString('en-US')}/s simulated, a reader in another process): publishing costs ${alone.baselineUs.toFixed(2)} µs an event without a client; a console's feed adds ${alone.consoleAddedUs.toFixed(3)} µs (${feedShare.toFixed(2)} % of the gateway's ${perRequestUs.toFixed(0)} µs of CPU per request), an unthinned tail adds ${alone.tailAddedUs.toFixed(2)} µs (${tailShare.toFixed(2)} %)`,
    `the overview refetched once a second costs the gateway ${overviewCpuMs.toFixed(2)} ms of CPU a request (mean of ${OVERVIEW_SAMPLES}): ${overviewShare.toFixed(2)} % of a second of ingest at that rate; the figure "measured alone" is the feed's share plus this`,
  );
  for (const r of runs) if (r.ended) notes.push(`the stream ended during a run: ${r.ended}`);
  for (const r of runs)
    if (r.load.ok !== r.load.sent) notes.push(`${r.load.sent - r.load.ok} of ${r.load.sent} requests were not 2xx (${r.stream} stream)`);
  return {
    name: 'stream',
    title: `(f) ingest with a console streaming, ${connections} connections, ${h.opts.bodySize} B signed JSON`,
    figures: [
      figure('durable ingest, a client on /api/v1/stream', Math.round(mean('with', (l) => l.okPerSec)), 'req/s', {
        baseline: Math.round(mean('without', (l) => l.okPerSec)),
        ratio: Math.round(ratio * 1000) / 1000,
        target: '≥ 0.97× without',
        met: ratio >= 0.97,
      }),
      figure('gateway CPU per 1,000 requests, streaming', cpu('with'), 'ms', {
        baseline: cpu('without'),
        target: '≤ 1.03× without',
        met: cpu('with') <= 1.03 * cpu('without'),
      }),
      figure('CPU a console stream adds per request, measured alone', Math.round(addedShare * 100) / 100, '%', {
        target: '≤ 3 %',
        met: addedShare <= 3,
      }),
      figure(
        'ack latency p99, streaming',
        mean('with', (l) => l.latencyMs.p99),
        'ms',
        { baseline: Math.round(mean('without', (l) => l.latencyMs.p99) * 100) / 100 },
      ),
    ],
    sluicePeakRssMiB: run.peakRssMiB,
    notes,
    raw: { pairs, ratios, ratio, alone, overviewCpuMs, feedShare, overviewShare, rssTimeline: run.rssTimeline },
  };
}
