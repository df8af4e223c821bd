import { createHash } from 'node:crypto';
import { defaults } from '../config/defaults.ts';
import type { Logger } from '../observability/logger.ts';
import type { RejectedRequest } from '../store/console.ts';
import { newId } from '../store/ids.ts';
import type { Store } from '../store/store.ts';

/** Header names whose values are secrets or signatures: kept by name, value withheld. */
const SECRET_HEADER = /authorization|cookie|signature|hmac|token|secret|api-?key|password|x-hub-signature/i;
const BODY_HEAD = 1024;
/** Rows waiting to be written at most; beyond it, rejections are only counted. */
const MAX_PENDING = 500;

/** `withheld`: lower-case names the source authenticates or signs with, whatever they are called (`header: X-Auth`). */
export function redactHeaders(
  headers: Record<string, string | string[] | undefined>,
  withheld: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] =
      SECRET_HEADER.test(name) || withheld.has(name.toLowerCase())
        ? '[redacted]'
        : (Array.isArray(value) ? value.join(', ') : value).slice(0, 512);
  }
  return out;
}

/** A token bucket per source: `perSecond` rows, bursts of as many (pure, clock injected). */
export class SourceRateCap {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly perSecond: number) {}

  take(source: string, now: number): boolean {
    const b = this.buckets.get(source) ?? { tokens: this.perSecond, at: now };
    b.tokens = Math.min(this.perSecond, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(source, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

/**
 * The bounded log of requests refused at verification. Ingest hands it a
 * request and goes on: a row is made only within the source's rate
 * (`rejectedPerSecond`), queued, and written in one transaction per second
 * (a periodic job, src/gateway/maintenance.ts); the store keeps the newest `rejectedKeepPerSource` per source. So a
 * flood of forgeries costs a counter, never the disk or the ingest path.
 */
export class RejectionLog {
  private pending: RejectedRequest[] = [];
  private readonly cap: SourceRateCap;
  private writing: Promise<void> | undefined;
  /** Rejections not written (over the rate or the queue), for the log line. */
  dropped = 0;
  private readonly withheld = new Map<string, ReadonlySet<string>>();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    perSecond: number = defaults.rejectedPerSecond,
  ) {
    this.cap = new SourceRateCap(perSecond);
  }

  /**
   * Header names whose values a source's rejected requests never keep: the
   * credential or signature header it was configured with. A request refused
   * for another reason (a missing prefix, an expired timestamp) may carry the
   * genuine value, and rejected requests are shown to viewers.
   */
  withhold(source: string, names: readonly string[]): void {
    this.withheld.set(source, new Set(names.map((n) => n.toLowerCase())));
  }

  record(
    source: string,
    req: { rawBody: Buffer; headers: Record<string, string | string[] | undefined>; remoteAddress?: string },
    reason: string,
    now: number,
  ): void {
    if (this.pending.length >= MAX_PENDING || !this.cap.take(source, now)) {
      this.dropped++;
      return;
    }
    this.pending.push({
      id: newId('rej'),
      source,
      receivedAt: now,
      remoteAddress: req.remoteAddress ?? null,
      reason,
      headers: redactHeaders(req.headers, this.withheld.get(source)),
      bodySize: req.rawBody.length,
      bodySha256: createHash('sha256').update(req.rawBody).digest('hex'),
      bodyHead: Buffer.from(req.rawBody.subarray(0, BODY_HEAD)),
    });
  }

  flush(): Promise<void> {
    this.writing ??= (async () => {
      const rows = this.pending;
      if (rows.length === 0) return;
      this.pending = [];
      try {
        await this.store.recordRejections(rows, defaults.rejectedKeepPerSource);
      } catch (err) {
        // Not retried: the log is a debugging aid, and holding rows could grow without bound while the store is down.
        this.log.warn({ err, rows: rows.length }, 'console: could not store rejected requests; dropped');
      }
    })().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  async stop(): Promise<void> {
    await this.flush();
  }
}
