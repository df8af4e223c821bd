/** One event as the provider's API lists it: its id, and how to get what the webhook would have carried. */
export interface ListedEvent {
  /** The id the source's dedupe keys hold (Stripe's `evt_…`, GitHub's delivery GUID). */
  id: string;
  /** The body and headers the webhook would have brought. */
  fetch(): Promise<{ body: Buffer; headers: Record<string, string> }>;
  /** Asks the provider to send the webhook again, where it can (GitHub). */
  redeliver?(): Promise<void>;
}

/** A provider's API as reconciliation uses it. */
export interface ProviderLister {
  /** Every event sent at `since` or later, each id once. */
  list(since: number): AsyncIterable<ListedEvent>;
}
