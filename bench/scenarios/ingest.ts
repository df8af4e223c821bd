import { figure, type ScenarioResult } from '../lib/figures.ts';
import type { Harness } from '../lib/harness.ts';
import { startWebhookPeer } from '../lib/peers.ts';
import type { LoadResult } from '../loadgen.ts';

/**
 * (a) Ingest throughput, as fast as answers come back, from the same
 * generator against the baseline, against an outside peer (the webhook
 * daemon, checking an HMAC-SHA256 of each body) and against Sluice. Sluice's
 * application has no endpoint here, so this is the ingest path alone: verify,
 * parse, dedupe, durable group commit, answer. Scenario (c) measures ingest
 * while delivering.
 */
export async function ingestScenario(h: Harness): Promise<ScenarioResult> {
  const { connections, durationMs } = h.opts;
  const notes: string[] = [];
  const base = await h.load({ targets: [h.baselineUrl], mode: 'closed', connections, rate: 0, durationMs });
  let peer: { name: string; result: LoadResult } | undefined;
  const started = await startWebhookPeer(h.root);
  if ('absent' in started) notes.push(`peer skipped: ${started.absent}`);
  else {
    try {
      const result = await h.load({ targets: [started.url], mode: 'closed', connections, rate: 0, durationMs, signing: 'hmac-sha256' });
      peer = { name: started.name, result };
      if (result.ok !== result.sent)
        notes.push(
          `${started.name} answered ${result.sent - result.ok} of ${result.sent} requests with non-2xx or errors: ${JSON.stringify({ ...result.statuses, ...result.errors })}`,
        );
    } finally {
      await started.stop();
    }
  }
  const store = await h.newStore('ingest');
  const run = await h.withSluice(h.setup(store, []), (nodes) =>
    h.load({ targets: nodes.map((n) => `${n.url}/in/bench`), mode: 'closed', connections, rate: 0, durationMs }),
  );
  const s = run.value;
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
      ...(peer
        ? [
            // The baseline column of these rows is the peer: a verify-and-answer daemon that stores nothing.
            figure(`durable ingest vs ${peer.name} (HMAC-SHA256 checked, nothing stored)`, s.okPerSec, 'req/s', {
              baseline: peer.result.okPerSec,
            }),
            figure(`ack latency p50 vs ${peer.name}`, s.latencyMs.p50, 'ms', { baseline: peer.result.latencyMs.p50 }),
          ]
        : []),
    ],
    sluicePeakRssMiB: run.peakRssMiB,
    notes,
    ...(h.lastProfile() ? { profile: h.lastProfile() } : {}),
    raw: { baseline: base, ...(peer ? { peer: { name: peer.name, ...peer.result } } : {}), sluice: s, rssTimeline: run.rssTimeline },
  };
}
