-- Operations (issue 14): bulk recovery jobs, the alert state machine and its
-- notification outbox, reconciliation runs, and single-holder leases for the
-- background loops that must run in exactly one process.

-- One retry or replay over a filter of deliveries. `cursor` is the last delivery
-- id handled, so a job taken over after a restart carries on where it stopped.
CREATE TABLE bulk_jobs (
  id                TEXT PRIMARY KEY,
  app_id            TEXT,                  -- NULL: every application (an unscoped token)
  action            TEXT NOT NULL,         -- 'retry' | 'replay'
  filter            TEXT NOT NULL,         -- the resolved filter (JSON)
  state             TEXT NOT NULL,         -- 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'
  total             INTEGER NOT NULL,
  done              INTEGER NOT NULL DEFAULT 0,
  failed            INTEGER NOT NULL DEFAULT 0,
  cursor            TEXT,
  report            TEXT NOT NULL DEFAULT '{}',
  requested_by      TEXT,
  lease_owner       TEXT,
  lease_expires_at  INTEGER,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  finished_at       INTEGER
);
CREATE INDEX bulk_jobs_open ON bulk_jobs (state) WHERE state IN ('queued', 'running');
CREATE INDEX bulk_jobs_by_app ON bulk_jobs (app_id, id);

-- A named lease held by one process at a time (the alert evaluator, the
-- reconciler); a holder that dies lets it expire and another takes it.
CREATE TABLE leases (
  name        TEXT PRIMARY KEY,
  owner       TEXT NOT NULL,
  expires_at  INTEGER NOT NULL
);

-- The state of one alert rule for one subject (an endpoint, a source, the queue).
CREATE TABLE alert_states (
  rule              TEXT NOT NULL,
  subject           TEXT NOT NULL,
  status            TEXT NOT NULL,         -- 'ok' | 'firing'
  breaches          INTEGER NOT NULL DEFAULT 0,  -- consecutive evaluations over the threshold
  clears            INTEGER NOT NULL DEFAULT 0,  -- consecutive evaluations back under it
  value             REAL,
  detail            TEXT NOT NULL DEFAULT '{}',
  since             INTEGER NOT NULL,
  last_notified_at  INTEGER,
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (rule, subject)
);

-- Every transition (firing, repeat, resolved): the alert history.
CREATE TABLE alert_events (
  id        TEXT PRIMARY KEY,
  rule      TEXT NOT NULL,
  subject   TEXT NOT NULL,
  kind      TEXT NOT NULL,                 -- 'firing' | 'repeat' | 'resolved'
  value     REAL,
  detail    TEXT NOT NULL DEFAULT '{}',
  at        INTEGER NOT NULL
);
CREATE INDEX alert_events_by_subject ON alert_events (rule, subject, id);

-- One notification of one event to one channel, retried until it is sent.
CREATE TABLE alert_notifications (
  id               TEXT PRIMARY KEY,
  event_id         TEXT NOT NULL,
  channel          TEXT NOT NULL,
  state            TEXT NOT NULL,          -- 'pending' | 'sent'
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  sent_at          INTEGER
);
CREATE INDEX alert_notifications_due ON alert_notifications (next_attempt_at) WHERE state = 'pending';
CREATE INDEX alert_notifications_by_event ON alert_notifications (event_id);

-- One comparison of a source with its provider's API.
CREATE TABLE reconcile_runs (
  id           TEXT PRIMARY KEY,
  source       TEXT NOT NULL,
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  checked      INTEGER NOT NULL DEFAULT 0,
  missing      INTEGER NOT NULL DEFAULT 0,
  ingested     INTEGER NOT NULL DEFAULT 0,
  missing_ids  TEXT NOT NULL DEFAULT '[]',
  errors       TEXT NOT NULL DEFAULT '[]',
  state        TEXT NOT NULL                -- 'running' | 'succeeded' | 'failed'
);
CREATE INDEX reconcile_runs_by_source ON reconcile_runs (source, id);

-- Source silence reads each source's recent messages (ids are time-ordered).
CREATE INDEX messages_by_source ON messages (source, id) WHERE source IS NOT NULL;
