/**
 * The few error classes Sluice has, each with one job.
 *
 * - `HttpError`: the request was wrong (4xx) or we failed (5xx); carries the
 *   status and a stable machine-readable code for the JSON body.
 * - `ConfigError`: the configuration cannot be used; lists every problem with
 *   its key path, and the CLI exits 2.
 *
 * `ConfigError` is defined with the configuration (which sits below every
 * other room and imports none of them) and exported here as well.
 *
 * A failed delivery is not an exception: the deliverer returns an outcome
 * (`permanent`, `postponeUntil`, `retryAfterMs` in delivery/send.ts) that the
 * retry policy reads, because every attempt's result is recorded either way.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
  }
}

export { ConfigError } from './config/config-error.ts';
