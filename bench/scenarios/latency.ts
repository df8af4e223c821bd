import { figure, type ScenarioResult } from '../lib/figures.ts';
import type { Harness } from '../lib/harness.ts';

/**
 * (b) Ack latency at a fixed rate (open loop: requests leave on schedule and
 * latency counts from the scheduled time). Sluice delivers to the sink while
 * it ingests, as it would in service.
 */
export async function latencyScenario(h: Harness): Promise<ScenarioResult> {
  const { rate, durationMs } = h.opts;
  const connections = Math.max(h.opts.connections, 64);
  const base = await h.load({ targets: [h.baselineUrl], mode: 'open', connections, rate, durationMs });
  const store = await h.newStore('latency');
  const run = await h.withSluice(h.setup(store, [h.sinkUrl(0)]), (nodes) =>
    h.load({ targets: nodes.map((n) => `${n.url}/in/bench`), mode: 'open', connections, rate, durationMs }),
  );
  const s = run.value;
  const notes: string[] = [];
  if (s.okPerSec < rate * 0.95) notes.push(`Sluice acknowledged only ${s.okPerSec} req/s of the ${rate} offered`);
  if (s.ok !== s.sent) notes.push(`non-2xx or errors: ${JSON.stringify({ ...s.statuses, ...s.errors })}`);
  return {
    name: 'latency',
    title: `(b) ack latency at a fixed ${rate} req/s (open loop), delivering meanwhile`,
    figures: [
      figure('ack p50', s.latencyMs.p50, 'ms', { baseline: base.latencyMs.p50 }),
      figure('ack p99', s.latencyMs.p99, 'ms', { baseline: base.latencyMs.p99, target: '≤ 10 ms', met: s.latencyMs.p99 <= 10 }),
      figure('ack p99.9', s.latencyMs.p999, 'ms', { baseline: base.latencyMs.p999 }),
      figure('ack max', s.latencyMs.max, 'ms', { baseline: base.latencyMs.max }),
    ],
    sluicePeakRssMiB: run.peakRssMiB,
    notes,
    ...(h.lastProfile() ? { profile: h.lastProfile() } : {}),
    raw: { baseline: base, sluice: s, rssTimeline: run.rssTimeline },
  };
}
