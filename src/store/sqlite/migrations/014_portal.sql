-- App-portal grants (portal-access tokens and the sessions their one-time keys were exchanged for)
-- and each application's portal look and framing.

CREATE TABLE portal_grants (
  id            TEXT PRIMARY KEY,
  app_id        TEXT NOT NULL,
  capabilities  TEXT NOT NULL,
  key_hash      TEXT UNIQUE,
  key_used_at   INTEGER,
  parent_id     TEXT,
  -- The platform's own label of the access (Svix's `sessionId`), which expire-all may name.
  session_id    TEXT,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  revoked_at    INTEGER
) WITHOUT ROWID;
CREATE INDEX portal_grants_app ON portal_grants (app_id, session_id);
CREATE INDEX portal_grants_expiry ON portal_grants (expires_at);

CREATE TABLE portal_settings (
  app_id           TEXT PRIMARY KEY,
  display_name     TEXT,
  logo_url         TEXT,
  primary_color    TEXT,
  frame_ancestors  TEXT,
  updated_at       INTEGER NOT NULL
) WITHOUT ROWID;
