-- Security: the audit log of every mutating API call, and per-application
-- private-network exceptions set through the API (an application created
-- through the API never inherits the operator's global exception).

CREATE TABLE audit_log (
  id              TEXT PRIMARY KEY,          -- aud_…, time-ordered
  at              INTEGER NOT NULL,          -- ms since the epoch
  principal_kind  TEXT NOT NULL,             -- token, session, portal
  principal_name  TEXT NOT NULL,
  action          TEXT NOT NULL,             -- "PATCH /app/:app_id"
  object          TEXT,                      -- the route's ids, "app_id=shop endpoint_id=ep_…"
  app_id          TEXT,                      -- the application named in the path, as given
  status          INTEGER NOT NULL,
  remote_addr     TEXT NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at);

CREATE TABLE application_network_policies (
  app_id          TEXT PRIMARY KEY,          -- ids are never reused, so a deleted application leaves nothing reachable
  allow_all       INTEGER NOT NULL,          -- 1: every private address
  allow_cidrs     TEXT NOT NULL,             -- JSON list of CIDRs
  updated_at      INTEGER NOT NULL
);
