import type { EndpointHealth, HealthChange, HealthPolicy } from './health.ts';
import type { DeliveryState, Endpoint, OnDeadPolicy, ProviderSignature, StalePolicy } from './records.ts';

/** What the FIFO head rule reads of one delivery of a (FIFO endpoint, ordering key). */
export interface KeyedDelivery {
  id: string;
  state: DeliveryState;
  sequence: number | null;
  createdAt: number;
}

/** What decides the state of a lease that ends without a recorded attempt. */
export interface ReturnedLease {
  attempts: number;
  /** Whether its endpoint is FIFO. */
  fifo: boolean;
  orderingKey: string | null;
}

/** What the stale rule reads of a lease candidate; `mark`: its key's highest attempted sequence, if any. */
export interface StaleHead {
  fifo: boolean;
  orderingKey: string | null;
  sequence: number | null;
  mark: number | null;
  stalePolicy: StalePolicy;
  manual: boolean;
}

/** What routing reads of a message at fan-out; the body is parsed only if a payload filter asks. */
export interface RoutedMessage {
  eventType: string | null;
  channels: string[] | null;
  payload: Buffer | null;
  contentType: string | null;
  headers: Record<string, string>;
}

export type RoutedEndpoint = Pick<Endpoint, 'filterTypes' | 'channels' | 'disabled' | 'filter'>;

/** What fan-out reads of an endpoint: routing's fields, the FIFO hold-back's and whether filtered deliveries are recorded. */
export type FanOutEndpoint = RoutedEndpoint & Pick<Endpoint, 'id' | 'fifo' | 'reorderWindowMs' | 'recordSkipped'>;

/** What fan-out reads of a message: routing's fields and the ordering key (the FIFO hold-back). */
export interface FanOutMessage extends RoutedMessage {
  orderingKey: string | null;
}

/** One delivery fan-out decided: deliverable from `nextAt`, or recorded as skipped by the payload filter. */
export interface PlannedDelivery {
  endpointId: string;
  state: 'pending' | 'skipped';
  nextAt: number | null;
  skipReason: 'filtered' | null;
}

/**
 * One lease pass's admissions under the endpoints' throttles and breakers: fed
 * the stored health, asked per delivery, and read back for what to write in the
 * same transaction.
 */
export interface LeaseAdmission {
  preload(stored: Map<string, EndpointHealth>): void;
  /** Whether a delivery to `endpointId` may be leased now; `rate` in messages/s, `holdMs` the lease length. */
  admit(endpointId: string, rate: number | null, holdMs: number): boolean;
  updates(): Array<[string, EndpointHealth]>;
}

/** What a config sync writes for endpoint keys the config left out. */
export interface EndpointDefaults {
  providerSignature: ProviderSignature;
  stalePolicy: StalePolicy;
  onDead: OnDeadPolicy;
  recordSkipped: boolean;
}

/**
 * The domain's rules the store applies inside its transactions: routing and the
 * fan-out plan (with its reorder hold-back), the FIFO head, the stale check,
 * the state a lease returns to, the throttle and breaker of a
 * lease pass, and the breaker's transition on an outcome. They are pure
 * functions of the domain (`delivery/`), given to the store when it is opened
 * (`delivery/store-rules.ts`), so the store depends on no domain room.
 */
export interface StoreRules {
  routeMessage<E extends RoutedEndpoint>(endpoints: E[], message: RoutedMessage): Array<{ endpoint: E; route: 'deliver' | 'filtered' }>;
  /** The deliveries a new (or released) message fans out to; `sourceWindowMs` is its source's reorder window. */
  planFanOut(
    endpoints: Endpoint[],
    message: FanOutMessage,
    now: number,
    sourceWindowMs: number | undefined,
    notBefore?: number,
  ): PlannedDelivery[];
  isFifoHead(d: KeyedDelivery, key: readonly KeyedDelivery[], onDead: OnDeadPolicy): boolean;
  /** A FIFO head below its key's mark: sent, skipped, or sent marked stale. */
  staleVerdict(head: StaleHead): 'fresh' | 'skip' | 'marked';
  /** The state a lease given back (`released`) or taken back (`reclaimed`) returns to. */
  returnedState(lease: ReturnedLease, how: 'released' | 'reclaimed'): 'pending' | 'scheduled';
  leaseGate(now: number): LeaseAdmission;
  /** Until when leasing must skip the endpoint, or `null` (stored as `blocked_until`). */
  blockedUntil(h: EndpointHealth): number | null;
  /** A success that changes nothing worth storing. */
  isRoutine(h: EndpointHealth, ok: boolean, now: number, p: HealthPolicy): boolean;
  afterOutcome(h: EndpointHealth, ok: boolean, now: number, p: HealthPolicy): { next: EndpointHealth; change: HealthChange };
  endpointDefaults: EndpointDefaults;
}
