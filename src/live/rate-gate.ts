/**
 * Lets at most `perSecond` events through in each one-second window and counts
 * the rest. A console asks for this (`GET /stream?maxPerSecond=`): a person
 * reads a few rows a second, and serializing, writing and rendering thousands
 * more only takes CPU from the gateway and the browser. The counted rest is
 * reported to the client, so nothing goes missing without a word; the lists
 * remain the record.
 */
export class RateGate {
  private windowStart = Number.NEGATIVE_INFINITY;

  private passed = 0;

  private held = 0;

  constructor(private readonly perSecond: number) {}

  /** Whether an event seen at `now` (ms) goes out; otherwise it is counted as skipped. */
  admit(now: number): boolean {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.passed = 0;
    }
    if (this.passed < this.perSecond) {
      this.passed++;
      return true;
    }
    this.held++;
    return false;
  }

  /** Events skipped since the last call; resets the count. */
  takeSkipped(): number {
    const n = this.held;
    this.held = 0;
    return n;
  }
}
