-- Operations (issue 14): bulk recovery jobs, the alert state machine and its
-- notification outbox, reconciliation runs, and single-holder leases for the
-- background loops that must run in exactly one process.

-- One retry or replay over a filter of deliveries. `cursor` is the last delivery
-- id handled, so a job taken over after a restart carries on where it stopped.
CREATE TABLE bulk_jobs (
  id                text COLLATE "C" PRIMARY KEY,
  app_id            text,                  -- NULL: every application (an unscoped token)
  action            text NOT NULL,         -- 'retry' | 'replay'
  filter            text NOT NULL,         -- the resolved filter (JSON)
  state             text NOT NULL,         -- 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'
  total             bigint NOT NULL,
  done              bigint NOT NULL DEFAULT 0,
  failed            bigint NOT NULL DEFAULT 0,
  cursor            text,
  report            text NOT NULL DEFAULT '{}',
  requested_by      text,
  lease_owner       text,
  lease_expires_at  bigint,
  created_at        bigint NOT NULL,
  updated_at        bigint NOT NULL,
  finished_at       bigint
);
CREATE INDEX bulk_jobs_open ON bulk_jobs (state) WHERE state IN ('queued', 'running');
CREATE INDEX bulk_jobs_by_app ON bulk_jobs (app_id, id);

-- A named lease held by one process at a time (the alert evaluator, the
-- reconciler); a holder that dies lets it expire and another takes it.
CREATE TABLE leases (
  name        text COLLATE "C" PRIMARY KEY,
  owner       text NOT NULL,
  expires_at  bigint NOT NULL
);

-- The state of one alert rule for one subject (an endpoint, a source, the queue).
CREATE TABLE alert_states (
  rule              text NOT NULL,
  subject           text NOT NULL,
  status            text NOT NULL,         -- 'ok' | 'firing'
  breaches          bigint NOT NULL DEFAULT 0,  -- consecutive evaluations over the threshold
  clears            bigint NOT NULL DEFAULT 0,  -- consecutive evaluations back under it
  value             double precision,
  detail            text NOT NULL DEFAULT '{}',
  since             bigint NOT NULL,
  last_notified_at  bigint,
  updated_at        bigint NOT NULL,
  PRIMARY KEY (rule, subject)
);

-- Every transition (firing, repeat, resolved): the alert history.
CREATE TABLE alert_events (
  id        text COLLATE "C" PRIMARY KEY,
  rule      text NOT NULL,
  subject   text NOT NULL,
  kind      text NOT NULL,                 -- 'firing' | 'repeat' | 'resolved'
  value     double precision,
  detail    text NOT NULL DEFAULT '{}',
  at        bigint NOT NULL
);
CREATE INDEX alert_events_by_subject ON alert_events (rule, subject, id);

-- One notification of one event to one channel, retried until it is sent.
CREATE TABLE alert_notifications (
  id               text COLLATE "C" PRIMARY KEY,
  event_id         text NOT NULL,
  channel          text NOT NULL,
  state            text NOT NULL,          -- 'pending' | 'sent'
  attempts         bigint NOT NULL DEFAULT 0,
  next_attempt_at  bigint NOT NULL,
  last_error       text,
  created_at       bigint NOT NULL,
  sent_at          bigint
);
CREATE INDEX alert_notifications_due ON alert_notifications (next_attempt_at) WHERE state = 'pending';
CREATE INDEX alert_notifications_by_event ON alert_notifications (event_id);

-- One comparison of a source with its provider's API.
CREATE TABLE reconcile_runs (
  id           text COLLATE "C" PRIMARY KEY,
  source       text NOT NULL,
  started_at   bigint NOT NULL,
  finished_at  bigint,
  checked      bigint NOT NULL DEFAULT 0,
  missing      bigint NOT NULL DEFAULT 0,
  ingested     bigint NOT NULL DEFAULT 0,
  missing_ids  text NOT NULL DEFAULT '[]',
  errors       text NOT NULL DEFAULT '[]',
  state        text NOT NULL                -- 'running' | 'succeeded' | 'failed'
);
CREATE INDEX reconcile_runs_by_source ON reconcile_runs (source, id);

-- Source silence reads each source's recent messages (ids are time-ordered).
CREATE INDEX messages_by_source ON messages (source, id) WHERE source IS NOT NULL;
