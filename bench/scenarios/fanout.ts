import { figure, type ScenarioResult } from '../lib/figures.ts';
import type { Harness } from '../lib/harness.ts';
import { ratePerSec, waitForSink } from './drain.ts';

const CATCH_UP_MS = 120_000;

/**
 * (d) Fan-out: every message goes to `--fanout` endpoints (each its own port
 * of the sink, as separate receivers would be). Messages arrive at a fixed
 * rate; reports deliveries per second and the time from send to the last of a
 * message's deliveries.
 */
export async function fanoutScenario(h: Harness): Promise<ScenarioResult> {
  const { fanout, fanoutRate, durationMs } = h.opts;
  const store = await h.newStore('fanout');
  const endpoints = Array.from({ length: fanout }, (_, i) => h.sinkUrl(i));
  await h.sinkReset();
  const run = await h.withSluice(h.setup(store, endpoints), async (nodes) => {
    const load = await h.load({
      targets: nodes.map((n) => `${n.url}/in/bench`),
      mode: 'open',
      connections: 16,
      rate: fanoutRate,
      durationMs,
    });
    const drained = await waitForSink(h, (c) => c.complete >= load.ok, CATCH_UP_MS);
    return { load, drained, stats: await h.sinkStats() };
  });
  const { load, drained, stats } = run.value;
  const perSec = ratePerSec(stats, load.windowStart, load.windowEnd);
  const notes: string[] = [];
  if (!drained.finished)
    notes.push(
      `only ${drained.count.complete} of ${load.ok} messages reached all ${fanout} endpoints ${CATCH_UP_MS / 1000} s after the load stopped`,
    );
  return {
    name: 'fanout',
    title: `(d) fan-out to ${fanout} endpoints, ${fanoutRate} msg/s offered (${fanout * fanoutRate} deliveries/s)`,
    figures: [
      figure('deliveries in the window', perSec, 'deliveries/s', {
        target: `${fanout * fanoutRate}/s offered`,
        met: perSec >= 0.95 * fanout * fanoutRate,
      }),
      figure('send→all delivered p50', stats.completeLatencyMs.p50, 'ms'),
      figure('send→all delivered p99', stats.completeLatencyMs.p99, 'ms'),
      figure('catch-up after load stopped', drained.finished ? (drained.at - load.windowEnd) / 1000 : CATCH_UP_MS / 1000, 's'),
    ],
    sluicePeakRssMiB: run.peakRssMiB,
    notes,
    ...(h.lastProfile() ? { profile: h.lastProfile() } : {}),
    raw: { load, sink: { ...stats, timeline: undefined }, rssTimeline: run.rssTimeline },
  };
}
