-- Outbound API: application and endpoint settings, event types, idempotency
-- keys, per-endpoint health (throttle slot and circuit breaker), payload expiry.

ALTER TABLE applications ADD COLUMN throttle_rate INTEGER;     -- messages/s inherited by endpoints without their own
ALTER TABLE applications ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';

ALTER TABLE endpoints ADD COLUMN throttle_rate INTEGER;
ALTER TABLE endpoints ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
ALTER TABLE endpoints ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE endpoints ADD COLUMN signature_style TEXT NOT NULL DEFAULT 'webhook'; -- 'webhook' or 'svix' header names

-- Set only when a message asks for its own retention; the default applies to the others.
ALTER TABLE messages ADD COLUMN payload_expires_at INTEGER;
CREATE INDEX messages_payload_expiry ON messages (payload_expires_at) WHERE payload_expires_at IS NOT NULL;

CREATE TABLE event_types (
  name          TEXT PRIMARY KEY,
  description   TEXT NOT NULL DEFAULT '',
  schemas       TEXT,                        -- {"1": JSON Schema, ...} or NULL
  deprecated    INTEGER NOT NULL DEFAULT 0,
  archived      INTEGER NOT NULL DEFAULT 0,
  feature_flag  TEXT,
  group_name    TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

-- One row per (caller, Idempotency-Key); status NULL while the first request runs.
CREATE TABLE idempotency (
  scope       TEXT NOT NULL,
  key         TEXT NOT NULL,
  request     TEXT NOT NULL,                 -- "METHOD path", so a key reused elsewhere is refused
  status      INTEGER,
  body        TEXT,
  expires_at  INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_expiry ON idempotency (expires_at);

-- Per-endpoint delivery health, shared by every worker: the next throttle slot
-- and the circuit breaker. blocked_until is the later of the two, so leasing
-- skips a blocked endpoint with one comparison.
CREATE TABLE endpoint_health (
  endpoint_id           TEXT PRIMARY KEY,
  throttle_next_at      INTEGER,
  breaker               TEXT NOT NULL DEFAULT 'closed', -- closed | open | half_open
  breaker_until         INTEGER,
  blocked_until         INTEGER,
  consecutive_failures  INTEGER NOT NULL DEFAULT 0,
  failing_since         INTEGER,
  window_start          INTEGER,
  window_total          INTEGER NOT NULL DEFAULT 0,
  window_failures       INTEGER NOT NULL DEFAULT 0,
  updated_at            INTEGER NOT NULL
) WITHOUT ROWID;
