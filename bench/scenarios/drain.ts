import type { SinkStats } from '../sink.ts';
import type { Harness, SinkCount } from '../lib/harness.ts';

/** Requests the sink counted per second between two epoch-ms instants. */
export function ratePerSec(stats: SinkStats, from: number, to: number): number {
  let n = 0;
  for (const [bucket, count] of stats.timeline) if (bucket >= from && bucket < to) n += count;
  return Math.round((n / ((to - from) / 1000)) * 10) / 10;
}

/**
 * Polls the sink's count until `done(count)` or `timeoutMs`; returns the
 * last count, whether it finished, and when. `onTick` sees every poll.
 */
export async function waitForSink(
  h: Harness,
  done: (c: SinkCount) => boolean,
  timeoutMs: number,
  onTick?: (c: SinkCount) => void,
): Promise<{ count: SinkCount; finished: boolean; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await h.sinkCount();
    onTick?.(count);
    if (done(count)) return { count, finished: true, at: Date.now() };
    if (Date.now() > deadline) return { count, finished: false, at: Date.now() };
    await new Promise((r) => setTimeout(r, 200));
  }
}
