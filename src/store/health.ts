/**
 * One endpoint's delivery health as the store keeps it (the `endpoint_health`
 * row), shared by every worker. The rules that move it (the circuit breaker,
 * the throttle) live in `delivery/`; the store only reads and writes it.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface EndpointHealth {
  /** The throttle's next free slot. */
  throttleNextAt: number | null;
  breaker: BreakerState;
  /** Open: when a probe may go; half-open: when a lost probe stops holding the endpoint. */
  breakerUntil: number | null;
  consecutiveFailures: number;
  /** The first failure since the last success. */
  failingSince: number | null;
  windowStart: number | null;
  windowTotal: number;
  windowFailures: number;
}

/** What an endpoint without a row has: never failed nor throttled. */
export function healthyEndpoint(): EndpointHealth {
  return {
    throttleNextAt: null,
    breaker: 'closed',
    breakerUntil: null,
    consecutiveFailures: 0,
    failingSince: null,
    windowStart: null,
    windowTotal: 0,
    windowFailures: 0,
  };
}

/** How the circuit breaker and the long-failure rule judge an endpoint. */
export interface HealthPolicy {
  /** Consecutive failed attempts that open the breaker. */
  failureThreshold: number;
  /** Failure ratio over `windowMs` (with at least `minWindowAttempts`) that opens it too. */
  failureRate: number;
  windowMs: number;
  minWindowAttempts: number;
  /** An open breaker lets one probe through after this long. */
  cooldownMs: number;
  /** An endpoint failing without a success for this long is disabled. */
  disableAfterMs: number;
}

/** What one attempt's outcome changed about its endpoint. */
export interface HealthChange {
  opened: boolean;
  /** A success closed a breaker that was open or probing. */
  closed: boolean;
  /** The endpoint has failed for longer than `disableAfterMs`. */
  disable: boolean;
}
