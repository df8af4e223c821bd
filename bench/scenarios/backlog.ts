import { startNode } from '../lib/child.ts';
import { figure, type ScenarioResult } from '../lib/figures.ts';
import type { Harness, SluiceRun } from '../lib/harness.ts';
import { writeConfig } from '../lib/sluice.ts';
import { waitForSink } from './drain.ts';

interface Drain {
  size: number;
  setupMs: number;
  drainMs: number;
  delivered: number;
  finished: boolean;
}

/** Fills a fresh store with `size` pending deliveries, then starts Sluice and times the drain. */
async function drainOnce(h: Harness, size: number): Promise<SluiceRun<Drain>> {
  const store = await h.newStore(`backlog${size}`);
  const setup = h.setup(store, [h.sinkUrl(0)]);
  const config = writeConfig(setup);
  const filler = startNode('backlog-setup', 'bench/backlog-setup.ts', [config, String(size), String(h.opts.bodySize)]);
  const timer = setTimeout(() => void filler.kill(), 120_000 + size / 2);
  const code = await filler.wait();
  clearTimeout(timer);
  const done = /DONE \d+ (\d+)/.exec(filler.stdout);
  if (code !== 0 || !done) throw new Error(`backlog setup failed (${code}):\n${filler.stderr.slice(-2000)}`);
  await h.sinkReset();
  return h.withSluice(setup, async () => {
    const started = Date.now();
    const drained = await waitForSink(h, (c) => c.count >= size, h.opts.backlogTimeoutMs);
    return { size, setupMs: Number(done[1]), drainMs: drained.at - started, delivered: drained.count.count, finished: drained.finished };
  });
}

/**
 * (e) Backlog: a large number of pending deliveries (built directly through the
 * Store, before the gateway starts) drained to the sink. Run at a tenth of the
 * size first: the peak RSS of both runs should be about the same, since a
 * backlog lives in the database, not in memory.
 */
export async function backlogScenario(h: Harness): Promise<ScenarioResult> {
  const big = h.opts.backlog;
  const small = await drainOnce(h, Math.max(1000, Math.round(big / 10)));
  const large = await drainOnce(h, big);
  const rate = (d: Drain): number => d.delivered / (d.drainMs / 1000);
  const peakSmall = Math.max(...small.peakRssMiB);
  const peakLarge = Math.max(...large.peakRssMiB);
  const notes: string[] = [];
  for (const d of [small.value, large.value]) {
    if (!d.finished) notes.push(`backlog of ${d.size}: only ${d.delivered} delivered within ${h.opts.backlogTimeoutMs / 1000} s`);
  }
  notes.push(
    `setup through Store.ingest: ${small.value.size} in ${small.value.setupMs} ms, ${large.value.size} in ${large.value.setupMs} ms`,
  );
  return {
    name: 'backlog',
    title: `(e) backlog of ${big.toLocaleString('en')} pending deliveries drained to one endpoint`,
    figures: [
      figure(`drain rate (${large.value.size.toLocaleString('en')})`, rate(large.value), 'deliveries/s'),
      figure(`drain rate (${small.value.size.toLocaleString('en')})`, rate(small.value), 'deliveries/s'),
      figure('drain time', large.value.drainMs / 1000, 's'),
      figure(`peak RSS, backlog ${large.value.size.toLocaleString('en')}`, peakLarge, 'MiB', {
        target: '≤ 250 MB',
        met: peakLarge * 1.048576 <= 250,
      }),
      figure(`peak RSS, backlog ${small.value.size.toLocaleString('en')}`, peakSmall, 'MiB', {
        target: 'flat: large ≤ 1.2× small + 16 MiB',
        met: peakLarge <= peakSmall * 1.2 + 16,
      }),
    ],
    sluicePeakRssMiB: large.peakRssMiB,
    notes,
    ...(h.lastProfile() ? { profile: h.lastProfile() } : {}),
    raw: {
      small: { ...small.value, peakRssMiB: small.peakRssMiB, rssTimeline: small.rssTimeline },
      large: { ...large.value, peakRssMiB: large.peakRssMiB, rssTimeline: large.rssTimeline },
    },
  };
}
