const WINDOW_MS = 60_000;
const MAX_TRACKED = 10_000;

/**
 * Failed authentications per remote address in a sliding minute. Past the
 * limit the address is refused (429) until its oldest failure ages out, so
 * guessing tokens costs a minute per `perMinute` guesses. Bounded memory: the
 * table is cleared past `MAX_TRACKED` addresses (an attacker with that many
 * addresses is not slowed by a per-address limit anyway).
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly perMinute: number) {}

  fail(address: string, now: number): void {
    if (this.perMinute <= 0) return;
    if (!this.failures.has(address) && this.failures.size >= MAX_TRACKED) this.failures.clear();
    const list = this.recent(address, now);
    list.push(now);
    this.failures.set(address, list);
  }

  /** Milliseconds until this address may try again; 0 when it may now. */
  blockedFor(address: string, now: number): number {
    if (this.perMinute <= 0) return 0;
    const list = this.recent(address, now);
    if (list.length < this.perMinute) return 0;
    return (list[list.length - this.perMinute] as number) + WINDOW_MS - now;
  }

  private recent(address: string, now: number): number[] {
    const list = (this.failures.get(address) ?? []).filter((t) => t > now - WINDOW_MS);
    if (list.length === 0) this.failures.delete(address);
    else this.failures.set(address, list);
    return list;
  }
}
