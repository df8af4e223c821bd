/**
 * The few error classes Sluice has, each with one job.
 *
 * - `HttpError`: the request was wrong (4xx) or we failed (5xx); carries the
 *   status and a stable machine-readable code for the JSON body.
 * - `ConfigError`: the configuration cannot be used; lists every problem with
 *   its key path, and the CLI exits 2.
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

export class ConfigError extends Error {
  /** One line per problem, each `key.path: what is wrong`. */
  readonly problems: string[];

  constructor(problems: string[], options?: { cause?: unknown }) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`, options);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
