import type { Metrics } from '../observability/metrics.ts';

/**
 * Signature rejections per source over time, read from this process's own
 * `sluice_ingest_rejected_total` counter. With several processes each counts
 * only the requests it answered, so the evaluating process sees its share.
 */
export class RejectionSampler {
  private samples: Array<{ at: number; counts: Map<string, number> }> = [];

  constructor(
    private readonly metrics: Metrics,
    private readonly keepMs: number,
  ) {}

  async sample(now: number): Promise<void> {
    const counts = new Map<string, number>();
    for (const v of (await this.metrics.rejected.get()).values) {
      if (v.labels.reason !== 'signature') continue;
      const source = String(v.labels.source);
      counts.set(source, (counts.get(source) ?? 0) + v.value);
    }
    this.samples.push({ at: now, counts });
    while (this.samples.length > 2 && (this.samples[1] as { at: number }).at <= now - this.keepMs) this.samples.shift();
  }

  /** Rejections per source within the last `windowMs`. */
  within(windowMs: number, now: number): Map<string, number> {
    const latest = this.samples[this.samples.length - 1];
    const out = new Map<string, number>();
    if (!latest) return out;
    // The newest sample from before the window; none means the process is younger than the window and its counters started at 0 within it.
    let base: (typeof this.samples)[number] | undefined;
    for (const s of this.samples) if (s.at <= now - windowMs) base = s;
    for (const [source, n] of latest.counts) out.set(source, n - (base?.counts.get(source) ?? 0));
    return out;
  }
}
