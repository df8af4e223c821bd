import type { PortalConfig } from './portal.ts';
import type { FieldPath } from './field-path.ts';
import type { RespondConfig } from './respond.ts';
import type { AlertsConfig } from './alerts.ts';
import type { BulkJobsConfig, TelemetryConfig } from './operations.ts';
import type { ReconcileConfig } from './reconcile.ts';
import type { HealthPolicy } from '../store/health.ts';
import type { SyncedEndpoint, Transformation } from '../store/records.ts';

/** The validated configuration: every default applied, durations in ms, sizes in bytes. */
export interface Config {
  /** The admin token `default`, when the config has one; a config may instead list only `auth.tokens` (hashes included). */
  apiToken: string | undefined;
  /** `SLUICE_SECRET_KEY`: the key that seals stored secrets (32 bytes, base64 or hex); unset: the key file's. */
  secretKey: string | undefined;
  /** Key file (newest key last); generated on first start when no key is set. Defaults to `<dataDir>/secret.key`. */
  secretKeyFile: string;
  server: {
    host: string;
    port: number;
    /** A request's headers must arrive whole within this (slow clients). */
    headersTimeoutMs: number;
    /** A request must arrive whole within this. */
    requestTimeoutMs: number;
    /** Open client connections at most; more are closed at once. */
    maxConnections: number;
  };
  /** API tokens (with `apiToken` as the admin token `default`) and the failed-authentication limit. */
  auth: AuthConfig;
  /** Where `/metrics` is served, and the bearer token it asks for. */
  metrics: MetricsConfig;
  dataDir: string;
  /** `sqlite:PATH` or `postgres://…`; defaults to `sqlite:<dataDir>/sluice.db`. */
  storageUrl: string;
  /** PostgreSQL pool settings (ignored by SQLite), and how long stored messages are kept. */
  storage: {
    poolSize: number;
    statementTimeoutMs: number;
    connectTimeoutMs: number;
    /** Messages, deliveries and attempts older than this are removed; `null` keeps them for ever. */
    retentionMs: number | null;
    /** Length of one PostgreSQL time partition. */
    partitionIntervalMs: number;
  };
  logLevel: string;
  /** Believe `X-Forwarded-Proto`/`-Host` when computing the URL a provider called. */
  trustProxy: boolean;
  ingest: {
    maxBodySize: number;
    dedupeWindowMs: number;
    groupCommitMaxBatch: number;
    /** JSON deeper than this is refused: stored `invalid` on ingest, 422 on the API. */
    maxNestingDepth: number;
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
  network: NetworkPolicyConfig;
  /** Circuit breaker and long-failure rule (`delivery.breaker`, `delivery.disableAfter`). */
  health: HealthPolicy;
  outbound: OutboundConfig;
  /** Event types declared in the YAML (`eventTypes:`), by name. */
  eventTypes: Record<string, EventTypeConfig>;
  /** The operator console (`console:`). */
  console: ConsoleConfig;
  /** The customer portal (`portal:`). */
  portal: PortalConfig;
  bulkJobs: BulkJobsConfig;
  alerts: AlertsConfig;
  telemetry: TelemetryConfig;
  /** Limits of every transformation call (`transformations:`). */
  transformations: TransformLimitsConfig;
  /** Named broker connections (`brokers:`) that broker endpoints publish through. */
  brokers: Record<string, BrokerConfig>;
}

/** The operator console's settings (`console:`). */
export interface ConsoleConfig {
  enabled: boolean;
  sessionTtlMs: number;
}

/** What an API token may do: admin everything; operator everything but tokens and settings; viewer read only. */
import type { Role } from '../store/records.ts';

export type { Role };

/** One API token of the config (`auth.tokens`, or `apiToken` as the admin token `default`), kept as its hash. */
export interface ApiTokenConfig {
  name: string;
  /** SHA-256 of the token, hex: the token itself is never kept once the config is read. */
  sha256: string;
  role: Role;
  /** Applications (uids or ids) the token may touch; `null`: every one. */
  applications: string[] | null;
}

export interface AuthConfig {
  tokens: ApiTokenConfig[];
  failedAuthPerMinute: number;
}

export interface MetricsConfig {
  /** A separate address for `/metrics` (then not served on the main port); `null`: the main server. */
  listen: { host: string; port: number } | null;
  /** Bearer token `/metrics` asks for; `null`: none. */
  token: string | null;
}

/** One broker connection (`brokers.NAME`); the URL (with its credentials, `${ENV}`-interpolated) is never logged or shown. */
export interface BrokerConfig {
  name: string;
  type: 'rabbitmq' | 'nats' | 'redis';
  url: string;
  /** Applications (uids, or `*` for all) whose endpoints may publish here when made through the API or the portal; empty: YAML endpoints only. */
  allowApplications: string[];
  /** What an API-made endpoint's exchange, subject or stream must start with (`{app}`: the application's uid); null: anything. */
  destinationPrefix: string | null;
}

export interface TransformLimitsConfig {
  timeoutMs: number;
  memoryBytes: number;
}

/** An event type declared in the YAML: its JSON Schema (draft 2020-12), checked on every message of the type. */
export interface EventTypeConfig {
  name: string;
  description: string;
  schema: Record<string, unknown> | null;
}

/** The SSRF guard: which delivery targets are refused (`allowPrivateNetworks`, `delivery.httpsOnly`). */
export interface NetworkPolicyConfig {
  allowPrivateNetworks: boolean;
  /** CIDRs allowed although private (`allowPrivateNetworks: [10.1.0.0/16]`). */
  allowCidrs: string[];
  httpsOnly: boolean;
  /**
   * Whether applications created through the API inherit this exception
   * (`tenantsInheritPrivateNetworks`). Off: only applications of the YAML do;
   * an API-created one needs its own (`PUT /app/{app_id}/network-policy`).
   */
  tenantsInherit?: boolean;
}

/** The outbound API's settings (`outbound:`). */
export interface OutboundConfig {
  rotationGraceMs: number;
  idempotencyTtlMs: number;
  portalTokenTtlMs: number;
  /** Base URL of the customer portal the access token is appended to. */
  portalUrl: string | undefined;
  payloadRetentionMs: number;
  /** Endpoints that receive operational webhooks, as the `sluice-operational` application. */
  operationalEndpoints: EndpointConfig[];
  /** API requests per second allowed per token and process (bursts up to one second's worth); 0 = no limit. */
  apiRateLimit: number;
}

export interface ApplicationConfig {
  /** The YAML key; stored as the application's `uid`. */
  uid: string;
  name: string;
  endpoints: EndpointConfig[];
  /** Refuse (API: 422) or quarantine (inbound) messages whose event type is not declared. */
  strictEventTypes?: boolean;
  /** This application's own private-network exception (`applications.<name>.allowPrivateNetworks`); absent: the global one. */
  allowPrivateNetworks?: Pick<NetworkPolicyConfig, 'allowPrivateNetworks' | 'allowCidrs'>;
}

/** An endpoint of an application in the YAML; the store syncs this shape as it is. */
export type EndpointConfig = SyncedEndpoint;

/** How to read one field of an inbound request (`body:$.data.id`, `header:X-Event-Id`). */
export interface ExtractionConfig {
  idempotencyKey?: FieldPath;
  eventType?: FieldPath;
  occurredAt?: FieldPath;
  orderingKey?: FieldPath;
  /** What orders the events of one key (a number or a time); defaults to `occurredAt`. */
  sequence?: FieldPath;
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
  /** Hold-back of keyed messages on FIFO endpoints (`reorderWindow`), unless the endpoint sets its own. */
  reorderWindowMs?: number;
  /** Headers forwarded beside the provider's own allow-list (`forwardHeaders`), lower-case; a trailing `*` is a prefix. */
  forwardHeaders?: string[];
  /** An interactive source: answer the sender with this endpoint's response (`respond:`). */
  respond?: RespondConfig;
  /** The provider's own keys, validated by the provider. */
  options: unknown;
  /** Periodic comparison with the provider's API (`reconcile:`), when set. */
  reconcile?: ReconcileConfig;
  /** Applied to each message at ingest, before fan-out (`transformation:`); the API's wins. */
  transformation?: Transformation;
}
