-- App-portal grants (portal-access tokens and the sessions their one-time keys were exchanged for)
-- and each application's portal look and framing.

CREATE TABLE portal_grants (
  id            text PRIMARY KEY,
  app_id        text NOT NULL,
  capabilities  jsonb NOT NULL,
  key_hash      text UNIQUE,
  key_used_at   bigint,
  parent_id     text,
  -- The platform's own label of the access (Svix's `sessionId`), which expire-all may name.
  session_id    text,
  created_at    bigint NOT NULL,
  expires_at    bigint NOT NULL,
  revoked_at    bigint
);
CREATE INDEX portal_grants_app ON portal_grants (app_id, session_id);
CREATE INDEX portal_grants_expiry ON portal_grants (expires_at);

CREATE TABLE portal_settings (
  app_id           text PRIMARY KEY,
  display_name     text,
  logo_url         text,
  primary_color    text,
  frame_ancestors  jsonb,
  updated_at       bigint NOT NULL
);
