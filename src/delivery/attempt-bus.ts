/** One finished attempt, as an interactive source needs it to answer its sender. */
export interface AttemptResult {
  msgId: string;
  endpointId: string;
  endpointUid: string | null;
  status: number | null;
  contentType: string | undefined;
  body: string | null;
  succeeded: boolean;
}

const KEEP_MS = 30_000;
const MAX_RECENT = 10_000;

/**
 * Attempt results of this process's worker, for ingest requests waiting on
 * them (interactive sources, `respond:`). Recent results are kept a short
 * while, so a waiter that starts after a fast attempt still finds it.
 */
export class AttemptBus {
  private readonly recent = new Map<string, { result: AttemptResult; at: number }>();
  private readonly waiters = new Map<string, Set<(r: AttemptResult) => void>>();

  publish(result: AttemptResult): void {
    const now = Date.now();
    for (const key of keys(result)) {
      this.recent.set(key, { result, at: now });
      for (const w of this.waiters.get(key) ?? []) w(result);
    }
    if (this.recent.size > MAX_RECENT) {
      for (const [key, entry] of this.recent) {
        if (now - entry.at < KEEP_MS && this.recent.size <= MAX_RECENT / 2) break;
        this.recent.delete(key);
      }
    }
  }

  /** The first attempt of `msgId` to the endpoint (its id or uid), or undefined after `timeoutMs`. */
  waitFor(msgId: string, endpoint: string, timeoutMs: number): Promise<AttemptResult | undefined> {
    const key = `${msgId} ${endpoint}`;
    const seen = this.recent.get(key);
    if (seen && Date.now() - seen.at < KEEP_MS) return Promise.resolve(seen.result);
    return new Promise((resolve) => {
      let set = this.waiters.get(key);
      if (!set) {
        set = new Set();
        this.waiters.set(key, set);
      }
      const done = (r: AttemptResult | undefined): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(key);
        resolve(r);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      set.add(done);
    });
  }
}

function keys(r: AttemptResult): string[] {
  return r.endpointUid === null ? [`${r.msgId} ${r.endpointId}`] : [`${r.msgId} ${r.endpointId}`, `${r.msgId} ${r.endpointUid}`];
}
