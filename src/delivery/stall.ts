/**
 * Lease passes in a row that leased nothing while this process had free slots,
 * for this many poll intervals, before the worker checks for a stall. Fewer
 * would run the check's full scan on every quiet moment; the invariant
 * (docs/reliability.md) promises a lease within one interval, so three
 * intervals without one is already a broken promise, not a slow one.
 */
export const STALL_POLLS = 3;

/** What the worker tells the watch after each lease pass. */
export interface PassReport {
  now: number;
  leased: number;
  /** Slots of this process not in use when the pass ran. */
  freeSlots: number;
}

/**
 * Decides when the worker should look for a stall: due work that nothing
 * leases. It only watches the passes (cheap); the worker then asks the store
 * how many deliveries are leasable (a full scan) and, if any, logs, counts and
 * recovers. A pass that leases anything, or runs with no free slot (the
 * process is busy, so passes leasing nothing are expected), resets the watch;
 * after a check the next one waits another `STALL_POLLS` intervals, so a
 * lasting stall is re-checked, not scanned for on every pass.
 */
export class StallWatch {
  private idleSince: number | null = null;
  private checkedAt: number | null = null;

  constructor(private readonly pollIntervalMs: number) {}

  /**
   * When the worker should check for a stall now: how long passes have leased
   * nothing with free slots; otherwise null.
   */
  afterPass(p: PassReport): number | null {
    if (p.leased > 0 || p.freeSlots <= 0) {
      this.idleSince = null;
      this.checkedAt = null;
      return null;
    }
    this.idleSince ??= p.now;
    if (p.now - (this.checkedAt ?? this.idleSince) < STALL_POLLS * this.pollIntervalMs) return null;
    this.checkedAt = p.now;
    return p.now - this.idleSince;
  }
}
