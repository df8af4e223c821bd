import { figure, type ScenarioResult } from '../lib/figures.ts';
import type { Harness } from '../lib/harness.ts';
import { ratePerSec, waitForSink } from './drain.ts';

const CATCH_UP_MS = 120_000;

/**
 * (c) End to end: signed requests in, deliveries out to the sink, at the same
 * time. Reports what was acknowledged and what was delivered per second in the
 * same window, the ingest-to-delivered latency (body `sentAt` → arrival at the
 * sink), and how long delivery took to catch up once the load stopped.
 */
export async function e2eScenario(h: Harness, baselineIngest: number | undefined): Promise<ScenarioResult> {
  const { connections, durationMs, e2eRate } = h.opts;
  const store = await h.newStore('e2e');
  await h.sinkReset();
  const run = await h.withSluice(h.setup(store, [h.sinkUrl(0)]), async (nodes) => {
    const load = await h.load({
      targets: nodes.map((n) => `${n.url}/in/bench`),
      mode: e2eRate > 0 ? 'open' : 'closed',
      connections: e2eRate > 0 ? Math.max(64, connections) : connections,
      rate: e2eRate,
      durationMs,
    });
    const drained = await waitForSink(h, (c) => c.messages >= load.ok, CATCH_UP_MS);
    return { load, drained, stats: await h.sinkStats() };
  });
  const { load, drained, stats } = run.value;
  const delivered = ratePerSec(stats, load.windowStart, load.windowEnd);
  const notes: string[] = [];
  if (!drained.finished)
    notes.push(
      `only ${drained.count.messages} of ${load.ok} acknowledged messages delivered ${CATCH_UP_MS / 1000} s after the load stopped`,
    );
  if (stats.count > stats.messages) notes.push(`${stats.count - stats.messages} duplicate deliveries (at-least-once)`);
  const sustained = Math.min(delivered, load.okPerSec);
  return {
    name: 'e2e',
    title: `(c) end to end, ${e2eRate > 0 ? `${e2eRate} req/s offered` : `${connections} connections, as fast as acknowledged`}, one endpoint`,
    figures: [
      figure('ingested (2xx)', load.okPerSec, 'msg/s', baselineIngest !== undefined ? { baseline: baselineIngest } : {}),
      figure('delivered in the same window', delivered, 'msg/s', { target: '≥ 5,000 msg/s', met: delivered >= 5000 }),
      figure('sustained (min of both)', sustained, 'msg/s', { target: '≥ 5,000 msg/s', met: sustained >= 5000 }),
      figure('ingest→delivered p50', stats.latencyMs.p50, 'ms'),
      figure('ingest→delivered p99', stats.latencyMs.p99, 'ms'),
      figure('catch-up after load stopped', drained.finished ? (drained.at - load.windowEnd) / 1000 : CATCH_UP_MS / 1000, 's'),
    ],
    sluicePeakRssMiB: run.peakRssMiB,
    notes,
    ...(h.lastProfile() ? { profile: h.lastProfile() } : {}),
    raw: { load, sink: { ...stats, timeline: undefined }, rssTimeline: run.rssTimeline },
  };
}
