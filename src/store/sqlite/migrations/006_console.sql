-- The operator console (issue 11): flow counters, sessions, rejected requests, and the
-- indexes its lists need.

-- Per-minute counts of what each process saw, written by that process every few seconds
-- (never per request). The overview sums a window's rows instead of counting messages,
-- so it costs the same with a million messages as with ten. `owner` is the process, so
-- processes never update the same row.
CREATE TABLE flow_minutes (
  minute          INTEGER NOT NULL,         -- start of the minute, ms since the epoch
  owner           TEXT NOT NULL,
  source          TEXT NOT NULL,            -- '' for messages created through the API
  received        INTEGER NOT NULL DEFAULT 0,
  verified        INTEGER NOT NULL DEFAULT 0,
  rejected        INTEGER NOT NULL DEFAULT 0,
  duplicates      INTEGER NOT NULL DEFAULT 0,
  delivered       INTEGER NOT NULL DEFAULT 0,
  failed          INTEGER NOT NULL DEFAULT 0,
  latency_sum_ms  INTEGER NOT NULL DEFAULT 0, -- ingest → delivered, summed over `delivered`
  PRIMARY KEY (minute, owner, source)
) WITHOUT ROWID;

-- The same counts per hour, written beside the minutes: a 7-day window sums a few
-- thousand hour rows (and the minutes of its first, partial hour) instead of every minute.
CREATE TABLE flow_hours (
  minute          INTEGER NOT NULL,         -- start of the hour, ms since the epoch
  owner           TEXT NOT NULL,
  source          TEXT NOT NULL,            -- '' for messages created through the API
  received        INTEGER NOT NULL DEFAULT 0,
  verified        INTEGER NOT NULL DEFAULT 0,
  rejected        INTEGER NOT NULL DEFAULT 0,
  duplicates      INTEGER NOT NULL DEFAULT 0,
  delivered       INTEGER NOT NULL DEFAULT 0,
  failed          INTEGER NOT NULL DEFAULT 0,
  latency_sum_ms  INTEGER NOT NULL DEFAULT 0, -- ingest → delivered, summed over `delivered`
  PRIMARY KEY (minute, owner, source)
) WITHOUT ROWID;

-- A console session: the hash of its cookie, and who signed in.
CREATE TABLE console_sessions (
  id_hash       TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL,
  applications  TEXT,                      -- JSON list, NULL for every application
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);

-- Requests refused at verification: bounded per source by the writer.
CREATE TABLE rejected_requests (
  id              TEXT PRIMARY KEY,        -- rej_…, time-ordered
  source          TEXT NOT NULL,
  received_at     INTEGER NOT NULL,
  remote_address  TEXT,
  reason          TEXT NOT NULL,
  headers         TEXT NOT NULL,           -- {name: value}, secret values replaced
  body_size       INTEGER NOT NULL,
  body_sha256     TEXT NOT NULL,
  body_head       BLOB NOT NULL            -- first 1 KiB
);
CREATE INDEX rejected_by_source ON rejected_requests (source, id);

-- "What happened to evt_123?": the message list by provider event id.
CREATE INDEX messages_by_event_id ON messages (event_id) WHERE event_id IS NOT NULL;
-- The quarantine across applications, and the dead letters: both small, read newest first.
CREATE INDEX messages_invalid ON messages (id) WHERE state = 'invalid';
CREATE INDEX deliveries_dead ON deliveries (message_id) WHERE state = 'dead';
