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
  /**
   * A request's headers must arrive whole within this (`server.headersTimeout`); slow-loris
   * sockets are closed after it. Providers send their headers in one packet.
   */
  headersTimeoutMs: 10_000,
  /** A whole request (headers and body) must arrive within this (`server.requestTimeout`). */
  requestTimeoutMs: 30_000,
  /**
   * Open client connections one process accepts (`server.maxConnections`); beyond it new
   * sockets are closed at once, so a flood of idle sockets cannot exhaust descriptors.
   */
  maxConnections: 2048,
  /**
   * Failed authentications one remote address may make per minute on the API
   * (`auth.failedAuthPerMinute`) before it is answered 429; 0 turns the limit off.
   */
  failedAuthPerMinute: 30,
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
  /**
   * SQLite's connection lives on a thread of its own, which runs each store operation
   * whole, so a commit's fsync or a long query never holds up HTTP on the main thread.
   * `false` keeps it on the main thread (`openStore`'s `sqliteThread` option).
   */
  sqliteThread: true,
  /**
   * How long messages, their deliveries and their attempts are kept (`storage.retention`).
   * `null`: for ever. Nothing is removed unless the operator chooses a period, because a
   * gateway that deletes history by default surprises the people who debug with it.
   */
  storageRetentionMs: null as number | null,
  /**
   * One PostgreSQL time partition of messages, deliveries and attempts spans this long
   * (`storage.partitionInterval`). Retention drops whole partitions, so data lives between
   * `retention` and `retention + partitionInterval`; shorter partitions mean more of them
   * for queries that cannot prune (leasing looks at every partition's due index).
   */
  partitionIntervalMs: 86_400_000,
  /** pino level (`logLevel`, `SLUICE_LOG_LEVEL`). */
  logLevel: 'info',

  /** Largest body accepted on `POST /in/:source`; larger ones get 413 (`ingest.maxBodySize`). */
  maxBodySize: 1024 * 1024,
  /**
   * How long a provider event id is remembered to drop duplicates (`ingest.dedupeWindow`).
   * Seven days outlasts every provider's own retry window (Stripe retries for 3 days).
   */
  dedupeWindowMs: 7 * 24 * 3600_000,
  /**
   * Deepest JSON nesting accepted (`ingest.maxNestingDepth`), on ingest (deeper is stored
   * `invalid`, not parsed) and on the API (422). Real payloads nest a dozen levels; a
   * 100,000-level one parses but overflows the stack of every later `JSON.stringify`.
   */
  maxNestingDepth: 128,
  /** The highest `ingest.maxNestingDepth` may be set: views render stored JSON up to this depth, deeper as text. */
  maxNestingDepthCeiling: 1000,
  /** Most requests committed together in one transaction (`ingest.groupCommitMaxBatch`). */
  groupCommitMaxBatch: 512,
  /**
   * Ingest commits that may be in progress at once: while one batch waits for its
   * commit, the next one is already on another PostgreSQL connection, or queued at
   * SQLite's store thread, and the batch after it fills meanwhile. (SQLite on the
   * main thread commits synchronously, one at a time.)
   */
  ingestCommitsInFlight: 2,
  /** Signature timestamps may be this far off our clock, both ways (`sources.*.tolerance`). */
  signatureToleranceMs: 5 * 60_000,
  /**
   * The longest `tolerance` a source may set: an hour. A longer one lets a captured request
   * verify for longer than any provider retries, and it must stay below `ingest.dedupeWindow`.
   */
  maxSignatureToleranceMs: 3_600_000,
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
  concurrency: 128,
  /**
   * Deliveries in flight at once to one endpoint (`concurrency` on an endpoint,
   * `delivery.endpointConcurrency`). At 8 one busy endpoint was held to about
   * 700 deliveries/s on loopback (docs/benchmarks.md); receivers that need
   * protecting have `throttleRate`.
   */
  endpointConcurrency: 32,
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
  /**
   * How long a relay endpoint's deliveries wait for an absent `sluice listen` before
   * they go dead (`sluice listen --keep`): a laptop closed overnight still gets its events.
   */
  relayKeepMs: 24 * 3_600_000,
  /**
   * How long an interactive source waits for its endpoint's answer (`sources.*.respond.timeout`)
   * before it answers the fallback: inside Slack's 3 s, with room for the network.
   */
  respondTimeoutMs: 2_500,
  /** With no listener connected, a relay delivery is looked at again after this long (no attempt counted). */
  relayAbsentRecheckMs: 1_000,

  /**
   * Whether deliveries may go to loopback, private, link-local and other internal
   * addresses (`allowPrivateNetworks`, `SLUICE_ALLOW_PRIVATE_NETWORKS`). Off: the
   * SSRF guard refuses them, judged on the address actually connected to.
   */
  allowPrivateNetworks: false,
  /**
   * Whether applications created through the API inherit `allowPrivateNetworks`
   * (`tenantsInheritPrivateNetworks`). Off: the operator's exception is for the
   * applications of its YAML; a tenant's endpoints never reach the addresses the
   * operator allowed for itself unless an admin grants that application its own.
   */
  tenantsInheritPrivateNetworks: false,
  /**
   * API requests per second per token in one process (`outbound.apiRateLimit`),
   * answered 429 with `Retry-After` beyond it. Off (0) by default: a gateway's
   * API serves its own platform, which the operator sizes.
   */
  apiRateLimit: 0,
  /** Refuse plain-http endpoint URLs (`delivery.httpsOnly`). */
  httpsOnly: false,
  /** Consecutive failed attempts that open an endpoint's circuit breaker (`delivery.breaker.failures`). */
  breakerFailures: 10,
  /** Failure ratio within the breaker window that opens it too (`delivery.breaker.failureRate`). */
  breakerFailureRate: 0.5,
  /** The window opens at a failure and lasts this long (`delivery.breaker.window`). */
  breakerWindowMs: 60_000,
  /** Attempts the window needs before its ratio counts (`delivery.breaker.minAttempts`). */
  breakerMinAttempts: 20,
  /** An open breaker lets one probe through after this long (`delivery.breaker.cooldown`). */
  breakerCooldownMs: 60_000,
  /** An endpoint failing without a single success for this long is disabled (`delivery.disableAfter`), as Svix does. */
  disableAfterMs: 5 * 86_400_000,
  /** A rotated-out endpoint secret keeps signing beside the new one this long (`outbound.rotationGrace`). */
  rotationGraceMs: 24 * 3_600_000,
  /** How long the first answer to an `Idempotency-Key` is replayed (`outbound.idempotencyTtl`). */
  idempotencyTtlMs: 12 * 3_600_000,
  /** Life of an app-portal access token (`outbound.portalTokenTtl`). */
  portalTokenTtlMs: 3_600_000,
  /** Message content is purged this long after receipt; the message row stays (`outbound.payloadRetention`). */
  payloadRetentionMs: 90 * 86_400_000,
  /** The application that carries operational webhooks (`outbound.operationalWebhooks`); reserved. */
  operationalAppUid: 'sluice-operational',

  /**
   * Hold-back of keyed messages on FIFO endpoints (`reorderWindow` on a source or
   * an endpoint): 0 delivers at once; a few seconds let a late predecessor go first.
   */
  reorderWindowMs: 0,
  /** What a FIFO endpoint does with a message older than the last one delivered for its key (`stale`): recorded, not sent. */
  stalePolicy: 'skip' as 'skip' | 'deliver',
  /** What a FIFO key does when its head goes dead (`onDead`): the key continues; the dead one stays replayable. */
  onDead: 'skip' as 'skip' | 'block',
  /** Whether deliveries the payload filter turned away are recorded as `skipped` (`recordSkipped`). */
  recordSkipped: false,
  /**
   * What a delivery of an inbound message does with the provider's own signature
   * (`providerSignature`): `resign`, signed afresh at each attempt with the
   * source's secret, so a handler that checks the provider's timestamp (Stripe,
   * Slack, Standard Webhooks: 5 minutes) accepts retries and replays days later.
   * The same secret already verified the request, so nothing is trusted that was
   * not before; schemes without a timestamp (GitHub, Shopify) come out as they
   * were sent. `forward` sends the headers as received; `drop` leaves only Sluice's signature.
   */
  providerSignature: 'resign' as 'forward' | 'resign' | 'drop',
  /** Validation errors kept per `invalid` message; the rest are counted in one last entry. */
  maxValidationIssues: 50,
  /** Unknown event types are accepted unless an application sets `strictEventTypes`. */
  strictEventTypes: false,
  /** How long ingest trusts its last look-up of an API-created event type (its schema may change at run time). */
  eventTypeCacheMs: 1_000,

  /** Whether the gateway serves the operator console at `/console/` and redirects `/` there (`console.enabled`). */
  consoleEnabled: true,
  /**
   * Life of a console session made from an API token (`console.sessionTtl`). A working
   * day: an operator signs in once in the morning, and a cookie left on a shared machine
   * does not outlive the day.
   */
  consoleSessionTtlMs: 12 * 3_600_000,
  /**
   * Failed console sign-ins from one address are answered this much later per failure
   * beyond the third, doubling, up to `consoleSignInMaxDelayMs`: a person who mistypes
   * waits nothing, a script guessing tokens is slowed to a crawl.
   */
  consoleSignInDelayMs: 250,
  /** The most a failed sign-in is delayed. */
  consoleSignInMaxDelayMs: 5_000,
  /** How often each process writes its per-minute flow counters (the console's overview) to the store. */
  flowFlushMs: 2_000,
  /** Events a live-stream client may have waiting unsent before it is dropped as too slow. */
  liveClientBufferEvents: 1_000,
  /** Rejected requests kept per source (oldest removed beyond it). */
  rejectedKeepPerSource: 1_000,
  /** Rejected requests recorded per second per source; the rest are only counted. */
  rejectedPerSecond: 5,
  /** Deliveries a bulk recovery job handles per transaction (`bulkJobs.batchSize`). */
  bulkBatchSize: 500,
  /** Pause between two batches of one bulk job (`bulkJobs.batchPause`), so a large job leaves the database to live traffic. */
  bulkBatchPauseMs: 0,
  /** How often a worker looks for a bulk job nobody runs (`bulkJobs.pollInterval`). */
  bulkPollIntervalMs: 1_000,
  /** A worker holds its bulk job this long past each batch; a job whose holder died is taken over after it (`bulkJobs.lease`). */
  bulkLeaseMs: 30_000,

  /** How often the alert rules are evaluated (`alerts.evaluateInterval`). */
  alertEvaluateIntervalMs: 30_000,
  /** The evaluating process holds its lease this long past each evaluation; another takes over after it (`alerts.lease`). */
  alertLeaseMs: 90_000,
  /** First wait before a failed notification is sent again, doubling up to `alerts.retryMax` (`alerts.retryInitial`). */
  alertRetryInitialMs: 5_000,
  /** Longest wait between two tries of one notification (`alerts.retryMax`). */
  alertRetryMaxMs: 300_000,
  /** A notification still unsent after this long is given up and shown as failed (`alerts.giveUpAfter`). */
  alertGiveUpAfterMs: 3 * 86_400_000,
  /** Consecutive evaluations over the threshold before an alert fires (`fireAfter` on a rule). */
  alertFireAfter: 1,
  /** Consecutive evaluations back under it before it resolves (`clearAfter`): the hysteresis that keeps it from flapping. */
  alertClearAfter: 2,
  /** A firing alert is told again after this long (`repeat` on a rule). */
  alertRepeatMs: 4 * 3_600_000,
  /** Endpoint failure rate that fires (`threshold` of `endpoint-failure-rate`), over `window`, with at least `minAttempts`. */
  alertFailureRate: 0.5,
  alertFailureWindowMs: 5 * 60_000,
  alertFailureMinAttempts: 10,
  /** Deliveries gone dead within `window` that fire `dead-deliveries`. */
  alertDeadThreshold: 1,
  alertDeadWindowMs: 15 * 60_000,
  /** Age of the oldest due delivery that fires `queue-lag`. */
  alertQueueLagMs: 5 * 60_000,
  /** Deliveries waiting that fire `backlog`. */
  alertBacklog: 10_000,
  /** Signature rejections of a source within `window` that fire `signature-rejections`. */
  alertRejections: 10,
  alertRejectionWindowMs: 5 * 60_000,
  /** Missing events in a reconciliation run that fire `reconcile-gap`. */
  alertReconcileGap: 1,
  /**
   * Learned source silence: a source with at least `alertSilenceMinMessages` in the last
   * `alertSilenceLookbackMs` is silent after `alertSilenceFactor` times its mean gap between
   * messages, never less than `alertSilenceFloorMs`.
   */
  alertSilenceLookbackMs: 7 * 86_400_000,
  alertSilenceMinMessages: 20,
  alertSilenceFactor: 10,
  alertSilenceFloorMs: 15 * 60_000,

  /** How often a source's provider is asked for the events it sent (`sources.*.reconcile.interval`). */
  reconcileIntervalMs: 15 * 60_000,
  /** How far back each run looks (`sources.*.reconcile.lookback`); at most the dedupe window, which is what says an event was received. */
  reconcileLookbackMs: 24 * 3_600_000,
  /** Tries of one provider API call that fails or is rate-limited, with doubling waits from `reconcileRetryMs`. */
  reconcileTries: 4,
  reconcileRetryMs: 1_000,

  /** Where spans go, OTLP over HTTP (`telemetry.otlp.endpoint`); unset: tracing is off and costs nothing. */
  otlpEndpoint: undefined as string | undefined,
  /** The `service.name` resource of every span (`telemetry.serviceName`). */
  telemetryServiceName: 'sluice',
  /**
   * CPU time one transformation call may use, compiling its code included (`transformations.timeout`).
   * Reshaping a webhook takes well under a millisecond warm (docs/transformations.md); 50 ms stops a
   * runaway loop long before it holds up the deliveries behind it.
   */
  transformTimeoutMs: 50,
  /** Memory one transformation call may use (`transformations.memoryLimit`); past it the call fails with `out of memory`. */
  transformMemoryBytes: 16 * 1024 * 1024,
  /** How long ingest trusts its last look-up of a source's API-set transformation. */
  transformCacheMs: 1_000,
  /** Longest transformation code accepted (YAML or API). */
  transformMaxCodeBytes: 64 * 1024,
  /** A broker source's unacknowledged messages at most (`prefetch`): enough to fill a group commit without holding much in memory. */
  brokerSourcePrefetch: 16,
  /** The content type of a consumed message that names none (`contentType`). */
  brokerSourceContentType: 'application/json',
  /** Throws in a row before a consumed message is a poison message, rejected and acknowledged (`maxAttempts`). */
  brokerSourceMaxAttempts: 5,
  /** A Redis broker source's consumer group (`group`). */
  brokerSourceGroup: 'sluice',

  // Periodic jobs, scheduled in src/gateway/maintenance.ts. Not YAML keys: each job is cheap
  // when there is nothing to do, and these intervals are what the documented guarantees assume.
  /** How often a worker takes back leases whose holder died (a lease outlives its attempt by `delivery.leaseGrace`), and refreshes the backlog gauge. */
  leaseReclaimEveryMs: 5_000,
  /** How often a worker removes dedupe keys older than `ingest.dedupeWindow`. */
  dedupePurgeEveryMs: 3_600_000,
  /** How often a worker purges payloads past `outbound.payloadRetention` and expired idempotency keys. */
  payloadPurgeEveryMs: 3_600_000,
  /** How often every process makes partitions ahead and removes data past `storage.retention` (and once before it listens). */
  storageUpkeepEveryMs: 3_600_000,
  /** How often every process removes flow counters older than the console's longest window and expired console sessions. */
  consolePurgeEveryMs: 3_600_000,
  /** How often the requests refused at verification are written to their bounded log. */
  rejectionFlushMs: 1_000,
  /** How often live-stream events are forwarded to the other processes (PostgreSQL, while a stream is open somewhere). */
  liveRelayFlushMs: 250,
  /** How often `sluice listen` sessions are pinged; one that missed the last ping is dropped. */
  relayPingMs: 10_000,
  /** How often a worker checks whether a reconciling source is due; its lease on the source lasts four of these. */
  reconcileCheckMs: 5_000,
} as const;
