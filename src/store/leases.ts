/**
 * Named leases: a background loop that must run in one process at a time (the
 * alert evaluator, the reconciler) holds one, renews it while alive, and a
 * process that dies lets it expire so another takes over.
 */
export interface LeaseStore {
  /** Takes `name` for `owner` until `now + ttlMs` if it is free, expired or already `owner`'s; whether `owner` holds it now. */
  acquireLease(name: string, owner: string, now: number, ttlMs: number): Promise<boolean>;
  /** Lets go (a clean stop), so another process need not wait for the expiry. */
  releaseLease(name: string, owner: string): Promise<void>;
}
