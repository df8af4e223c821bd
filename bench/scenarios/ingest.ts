import { figure, type ScenarioResult } from '../lib/figures.ts';
import type { Harness } from '../lib/harness.ts';

/**
 * (a) Ingest throughput, as fast as answers come back, from the same
 * generator against the baseline and against Sluice. Sluice's application has
 * no endpoint here, so this is the ingest path alone: verify, parse, dedupe,
 * durable group commit, answer. Scenario (c) measures ingest while delivering.
 */
export async function ingestScenario(h: Harness): Promise<ScenarioResult> {
  const { connections, durationMs } = h.opts;
  const base = await h.load({ targets: [h.baselineUrl], mode: 'closed', connections, rate: 0, durationMs });
  const store = await h.newStore('ingest');
  const run = await h.withSluice(h.setup(store, []), (nodes) =>
    h.load({ targets: nodes.map((n) => `${n.url}/in/bench`), mode: 'closed', connections, rate: 0, durationMs }),
  );
  const s = run.value;
  const notes: string[] = [];
  if (s.ok !== s.sent)
    notes.push(
      `Sluice answered ${s.sent - s.ok} of ${s.sent} requests with non-2xx or errors: ${JSON.stringify({ ...s.statuses, ...s.errors })}`,
    );
  return {
    name: 'ingest',
    title: `(a) ingest throughput, ${connections} connections, ${h.opts.bodySize} B signed JSON`,
    figures: [
      figure('durable ingest', s.okPerSec, 'req/s', {
        baseline: base.okPerSec,
        target: '≥ 0.5× baseline',
        met: s.okPerSec >= 0.5 * base.okPerSec,
      }),
      figure('ack latency p50 at saturation', s.latencyMs.p50, 'ms', { baseline: base.latencyMs.p50 }),
      figure('ack latency p99 at saturation', s.latencyMs.p99, 'ms', { baseline: base.latencyMs.p99 }),
    ],
    sluicePeakRssMiB: run.peakRssMiB,
    notes,
    ...(h.lastProfile() ? { profile: h.lastProfile() } : {}),
    raw: { baseline: base, sluice: s, rssTimeline: run.rssTimeline },
  };
}
