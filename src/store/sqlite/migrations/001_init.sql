-- Times are integer milliseconds since the epoch. JSON columns hold text.
-- Ids are prefixed base62 that sort in creation order, so id order is time order.

CREATE TABLE applications (
  id          TEXT PRIMARY KEY,
  uid         TEXT UNIQUE,
  name        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE endpoints (
  id               TEXT PRIMARY KEY,
  app_id           TEXT NOT NULL,
  uid              TEXT,
  url              TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  secrets          TEXT NOT NULL,            -- [{secret, expiresAt}] current first
  filter_types     TEXT,                     -- ["invoice.*"] or NULL for every type
  channels         TEXT,
  retry_schedule   TEXT,                     -- [ms, ...] or NULL for the default
  timeout_ms       INTEGER,
  concurrency      INTEGER,
  headers          TEXT NOT NULL DEFAULT '{}',
  disabled         INTEGER NOT NULL DEFAULT 0,
  disabled_reason  TEXT,
  origin           TEXT NOT NULL DEFAULT 'api', -- 'config' when declared in YAML
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  UNIQUE (app_id, uid)
);

CREATE TABLE messages (
  id            TEXT PRIMARY KEY,
  app_id        TEXT NOT NULL,
  source        TEXT,
  event_type    TEXT,
  event_id      TEXT,
  ordering_key  TEXT,
  sequence      INTEGER,
  payload       BLOB,
  content_type  TEXT,
  headers       TEXT NOT NULL DEFAULT '{}',
  channels      TEXT,
  state         TEXT NOT NULL,
  error         TEXT,
  received_at   INTEGER NOT NULL
);
CREATE INDEX messages_by_app ON messages (app_id, id);

-- One row per remembered provider event id; the window is enforced by expires_at.
CREATE TABLE dedupe (
  scope       TEXT NOT NULL,
  event_id    TEXT NOT NULL,
  message_id  TEXT NOT NULL,
  expires_at  INTEGER NOT NULL,
  PRIMARY KEY (scope, event_id)
) WITHOUT ROWID;
CREATE INDEX dedupe_expiry ON dedupe (expires_at);

CREATE TABLE deliveries (
  id                TEXT PRIMARY KEY,
  message_id        TEXT NOT NULL,
  endpoint_id       TEXT NOT NULL,
  app_id            TEXT NOT NULL,
  state             TEXT NOT NULL,
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   INTEGER,
  lease_owner       TEXT,
  lease_expires_at  INTEGER,
  ordering_key      TEXT,
  sequence          INTEGER,
  manual            INTEGER NOT NULL DEFAULT 0,
  last_status       INTEGER,
  last_error        TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  UNIQUE (message_id, endpoint_id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state IN ('pending', 'scheduled');
CREATE INDEX deliveries_in_flight ON deliveries (lease_expires_at) WHERE state = 'in_flight';
CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, state);

CREATE TABLE attempts (
  id             TEXT PRIMARY KEY,
  delivery_id    TEXT NOT NULL,
  message_id     TEXT NOT NULL,
  endpoint_id    TEXT NOT NULL,
  app_id         TEXT NOT NULL,
  url            TEXT NOT NULL,
  trigger        TEXT NOT NULL,
  started_at     INTEGER NOT NULL,
  duration_ms    INTEGER NOT NULL,
  status         INTEGER,
  response_body  TEXT,
  error          TEXT,
  succeeded      INTEGER NOT NULL
);
CREATE INDEX attempts_by_message ON attempts (message_id, id);
CREATE INDEX attempts_by_endpoint ON attempts (endpoint_id, id);
