import type { LiveBus } from './bus.ts';
import type { IngestEvent } from './events.ts';

/**
 * Announces one ingest decision: the live stream shows it and the flow
 * counters count it (Received, Verified, Duplicates). Webhook ingest and
 * messages created through the API both go through here, so the overview
 * counts them alike. `source` is `''` for an API message.
 */
export function announceIngest(live: LiveBus | undefined, event: Omit<IngestEvent, 'type' | 'at'>): void {
  live?.publish({ type: 'ingest', at: new Date().toISOString(), ...event }, { source: event.source });
}
