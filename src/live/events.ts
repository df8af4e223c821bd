/**
 * The live stream's events: what `GET /api/v1/stream` sends as `event: ingest`
 * and `event: attempt` (docs/api.md). This shape is a contract: the console and
 * `sluice tail` read it. Add fields freely; rename none.
 */
export type IngestDecision = 'accepted' | 'duplicate' | 'invalid' | 'rejected';

export interface IngestEvent {
  type: 'ingest';
  /** When the decision was made (ISO 8601). */
  at: string;
  source: string;
  /** The application's id. */
  app: string;
  /** `null` for a rejected request (nothing was stored). */
  msgId: string | null;
  eventType: string | null;
  eventId: string | null;
  decision: IngestDecision;
  /** Why a request was rejected, or a message stored as invalid. */
  reason?: string;
}

export type AttemptOutcome = 'succeeded' | 'failed' | 'dead';

export interface AttemptEvent {
  type: 'attempt';
  at: string;
  app: string;
  endpointId: string;
  msgId: string;
  deliveryId: string;
  eventType: string | null;
  /** The receiver's HTTP status; `null` when no response arrived. */
  status: number | null;
  /** `failed`: a retry is scheduled; `dead`: no more retries (or the endpoint is gone). */
  outcome: AttemptOutcome;
  durationMs: number;
  error?: string;
}

export type LiveEvent = IngestEvent | AttemptEvent;

/** What the flow counters need beside the event, not sent to clients. */
export interface LiveExtra {
  /** The message's source (`''` for messages created through the API). */
  source: string;
  /** Ingest → this successful attempt. */
  latencyMs?: number;
  /** Heard from another process (PostgreSQL): shown to streams, already counted by its own process. */
  remote?: boolean;
}

/** Which events a stream client asked for (`app`, `source`, `endpoint`, `events`). */
export interface LiveFilter {
  app?: string;
  source?: string;
  endpoint?: string;
  types?: ReadonlySet<LiveEvent['type']>;
}

/** Whether an event passes a client's filter: an ingest event has no endpoint, so an endpoint filter passes attempts only. */
export function matches(filter: LiveFilter, event: LiveEvent): boolean {
  if (filter.types && !filter.types.has(event.type)) return false;
  if (filter.app !== undefined && event.app !== filter.app) return false;
  if (filter.source !== undefined && (event.type !== 'ingest' || event.source !== filter.source)) return false;
  if (filter.endpoint !== undefined && (event.type !== 'attempt' || event.endpointId !== filter.endpoint)) return false;
  return true;
}
