-- Security: the audit log of every mutating API call, and per-application
-- private-network exceptions set through the API (an application created
-- through the API never inherits the operator's global exception).

CREATE TABLE audit_log (
  id              text PRIMARY KEY,          -- aud_…, time-ordered
  at              bigint NOT NULL,           -- ms since the epoch
  principal_kind  text NOT NULL,             -- token, session, portal
  principal_name  text NOT NULL,
  action          text NOT NULL,             -- "PATCH /app/:app_id"
  object          text,                      -- the route's ids, "app_id=shop endpoint_id=ep_…"
  app_id          text,                      -- the application named in the path, as given
  status          integer NOT NULL,
  remote_addr     text NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at);

CREATE TABLE application_network_policies (
  app_id          text PRIMARY KEY,          -- ids are never reused, so a deleted application leaves nothing reachable
  allow_all       boolean NOT NULL,          -- every private address
  allow_cidrs     jsonb NOT NULL,            -- list of CIDRs
  updated_at      bigint NOT NULL
);
