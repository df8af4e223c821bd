-- Outbound API: application and endpoint settings, event types, idempotency
-- keys, per-endpoint health (throttle slot and circuit breaker), payload expiry.

ALTER TABLE applications ADD COLUMN throttle_rate integer;     -- messages/s inherited by endpoints without their own
ALTER TABLE applications ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}';

ALTER TABLE endpoints ADD COLUMN throttle_rate integer;
ALTER TABLE endpoints ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}';
ALTER TABLE endpoints ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE endpoints ADD COLUMN signature_style text NOT NULL DEFAULT 'webhook'; -- 'webhook' or 'svix' header names

-- Set only when a message asks for its own retention; the default applies to the others.
ALTER TABLE messages ADD COLUMN payload_expires_at bigint;
CREATE INDEX messages_payload_expiry ON messages (payload_expires_at) WHERE payload_expires_at IS NOT NULL;

-- Endpoint stats and recover read deliveries by endpoint and state.
CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, state);

CREATE TABLE event_types (
  name          text COLLATE "C" PRIMARY KEY,
  description   text NOT NULL DEFAULT '',
  schemas       jsonb,                        -- {"1": JSON Schema, ...} or NULL
  deprecated    boolean NOT NULL DEFAULT false,
  archived      boolean NOT NULL DEFAULT false,
  feature_flag  text,
  group_name    text,
  created_at    bigint NOT NULL,
  updated_at    bigint NOT NULL
);

-- One row per (caller, Idempotency-Key); status NULL while the first request runs.
CREATE TABLE idempotency (
  scope       text NOT NULL,
  key         text NOT NULL,
  request     text NOT NULL,                 -- "METHOD path", so a key reused elsewhere is refused
  status      integer,
  body        text,
  expires_at  bigint NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_expiry ON idempotency (expires_at);

-- Per-endpoint delivery health, shared by every worker: the next throttle slot
-- and the circuit breaker. blocked_until is the later of the two, so leasing
-- skips a blocked endpoint with one comparison.
CREATE TABLE endpoint_health (
  endpoint_id           text COLLATE "C" PRIMARY KEY,
  throttle_next_at      bigint,
  breaker               text NOT NULL DEFAULT 'closed', -- closed | open | half_open
  breaker_until         bigint,
  blocked_until         bigint,
  consecutive_failures  integer NOT NULL DEFAULT 0,
  failing_since         bigint,
  window_start          bigint,
  window_total          integer NOT NULL DEFAULT 0,
  window_failures       integer NOT NULL DEFAULT 0,
  updated_at            bigint NOT NULL
);
