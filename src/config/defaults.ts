/**
 * Every default Sluice uses, in one place. Durations are milliseconds and sizes
 * bytes; the YAML takes human forms (`5s`, `1MiB`) that the loader converts.
 * `docs/configuration.md` documents each one with its YAML key.
 */
export const defaults = {
  /** Address the HTTP server binds to (`server.host`, `--host`, `SLUICE_HOST`). */
  host: '127.0.0.1',
  /** Port of the HTTP server (`server.port`, `--port`, `SLUICE_PORT`); 0 picks a free one. */
  port: 8787,
  /** Where the embedded SQLite database lives (`dataDir`, `--data-dir`, `SLUICE_DATA_DIR`). */
  dataDir: './.sluice',
  /** Connections each process keeps to PostgreSQL (`storage.poolSize`); SQLite uses one. */
  storagePoolSize: 10,
  /**
   * PostgreSQL cancels a statement running longer than this (`storage.statementTimeout`), so a
   * stuck lock or an overloaded server turns into an error (503 on ingest) instead of a hung request.
   */
  storageStatementTimeoutMs: 30_000,
  /** Giving up on opening a PostgreSQL connection after this long (`storage.connectTimeout`). */
  storageConnectTimeoutMs: 5_000,
  /** pino level (`logLevel`, `SLUICE_LOG_LEVEL`). */
  logLevel: 'info',

  /** Largest body accepted on `POST /in/:source`; larger ones get 413 (`ingest.maxBodySize`). */
  maxBodySize: 1024 * 1024,
  /**
   * How long a provider event id is remembered to drop duplicates (`ingest.dedupeWindow`).
   * Seven days outlasts every provider's own retry window (Stripe retries for 3 days).
   */
  dedupeWindowMs: 7 * 24 * 3600_000,
  /** Most requests committed together in one transaction (`ingest.groupCommitMaxBatch`). */
  groupCommitMaxBatch: 512,
  /** Signature timestamps may be this far off our clock, both ways (`sources.*.tolerance`). */
  signatureToleranceMs: 5 * 60_000,
  /** Linear's tolerance when a source sets none: Linear asks receivers to hold `webhookTimestamp` to a minute. */
  linearToleranceMs: 60_000,
  /** Twitch's tolerance when a source sets none: its EventSub guide rejects messages older than 10 minutes. */
  twitchToleranceMs: 10 * 60_000,
  /** Mailgun tokens remembered per source to refuse replays (oldest forgotten first beyond this). */
  mailgunTokenMemory: 100_000,
  /**
   * Whether `X-Forwarded-Proto`/`-Host` are believed when computing the URL a
   * provider called (`trustProxy`). Only turn on behind a proxy that sets them:
   * otherwise a sender could choose the URL that URL-signing providers check.
   */
  trustProxy: false,

  /**
   * Delay before each retry after a failed attempt (`retry` on an endpoint or
   * `delivery.retry`): eight attempts over about 28 hours, the same as Svix's.
   */
  retryScheduleMs: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
  /** Each delay is spread by ±this fraction so failed endpoints are not hit by a herd. */
  retryJitter: 0.2,
  /** A `Retry-After` longer than this is clamped (`delivery.maxRetryAfter`). */
  maxRetryAfterMs: 24 * 3600_000,
  /** Time allowed for one delivery attempt, connect to last body byte (`timeout`). */
  timeoutMs: 15_000,
  /** Deliveries in flight at once in one process (`delivery.concurrency`). */
  concurrency: 64,
  /** Deliveries in flight at once to one endpoint (`concurrency` on an endpoint). */
  endpointConcurrency: 8,
  /**
   * A lease lasts the attempt's timeout plus this margin; a lease that outlives it
   * belonged to a process that died, and its delivery is taken back (`delivery.leaseGrace`).
   */
  leaseGraceMs: 10_000,
  /** The scheduler looks for due work at least this often when nothing wakes it (`delivery.pollInterval`). */
  pollIntervalMs: 1_000,
  /** Deliveries leased per scheduler pass (`delivery.batchSize`). */
  leaseBatchSize: 128,
  /** On SIGTERM, in-flight deliveries get this long to finish before their leases are released. */
  shutdownGraceMs: 10_000,
  /** Bytes of a receiver's response body kept on the attempt. */
  responseBodyLimit: 4096,
} as const;
