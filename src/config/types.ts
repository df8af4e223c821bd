import type { FieldPath } from '../ingest/field-path.ts';

/** The validated configuration: every default applied, durations in ms, sizes in bytes. */
export interface Config {
  apiToken: string;
  server: { host: string; port: number };
  dataDir: string;
  /** `sqlite:PATH` or `postgres://…`; defaults to `sqlite:<dataDir>/sluice.db`. */
  storageUrl: string;
  /** PostgreSQL pool settings (ignored by SQLite). */
  storage: { poolSize: number; statementTimeoutMs: number; connectTimeoutMs: number };
  logLevel: string;
  /** Believe `X-Forwarded-Proto`/`-Host` when computing the URL a provider called. */
  trustProxy: boolean;
  ingest: {
    maxBodySize: number;
    dedupeWindowMs: number;
    groupCommitMaxBatch: number;
  };
  delivery: {
    concurrency: number;
    endpointConcurrency: number;
    retryScheduleMs: number[];
    timeoutMs: number;
    maxRetryAfterMs: number;
    leaseGraceMs: number;
    pollIntervalMs: number;
    leaseBatchSize: number;
    shutdownGraceMs: number;
  };
  applications: Record<string, ApplicationConfig>;
  sources: Record<string, SourceConfig>;
}

export interface ApplicationConfig {
  /** The YAML key; stored as the application's `uid`. */
  uid: string;
  name: string;
  endpoints: EndpointConfig[];
}

export interface EndpointConfig {
  /** The YAML `id`; stored as the endpoint's `uid`, unique within its application. */
  uid: string;
  url: string;
  description: string;
  secret: string | undefined;
  filterTypes: string[] | null;
  retryScheduleMs: number[] | null;
  timeoutMs: number | null;
  concurrency: number | null;
  headers: Record<string, string>;
  disabled: boolean;
}

/** How to read one field of an inbound request (`body:$.data.id`, `header:X-Event-Id`). */
export interface ExtractionConfig {
  idempotencyKey?: FieldPath;
  eventType?: FieldPath;
  occurredAt?: FieldPath;
  orderingKey?: FieldPath;
}

export interface SourceConfig {
  name: string;
  provider: string;
  application: string;
  secrets: string[];
  maxBodySize: number;
  toleranceMs: number;
  /**
   * The URL the provider calls (as configured at the provider), for providers
   * that sign it (Twilio, Square, HubSpot); the request's query is appended
   * when this has none. Unset: computed from the request.
   */
  publicUrl: string | undefined;
  extract: ExtractionConfig;
  /** The provider's own keys, validated by the provider. */
  options: unknown;
}
