-- Times are bigint milliseconds since the epoch. JSON columns are jsonb.
-- Ids are prefixed base62 that sort in creation order, so id order is time order;
-- they are COLLATE "C" so that order is byte order whatever the database's collation.

CREATE TABLE applications (
  id          text COLLATE "C" PRIMARY KEY,
  uid         text UNIQUE,
  name        text NOT NULL,
  created_at  bigint NOT NULL,
  updated_at  bigint NOT NULL
);

CREATE TABLE endpoints (
  id               text COLLATE "C" PRIMARY KEY,
  app_id           text COLLATE "C" NOT NULL,
  uid              text,
  url              text NOT NULL,
  description      text NOT NULL DEFAULT '',
  secrets          jsonb NOT NULL,            -- [{secret, expiresAt}] current first
  filter_types     jsonb,                     -- ["invoice.*"] or NULL for every type
  channels         jsonb,
  retry_schedule   jsonb,                     -- [ms, ...] or NULL for the default
  timeout_ms       integer,
  concurrency      integer,
  headers          jsonb NOT NULL DEFAULT '{}',
  disabled         boolean NOT NULL DEFAULT false,
  disabled_reason  text,
  origin           text NOT NULL DEFAULT 'api', -- 'config' when declared in YAML
  created_at       bigint NOT NULL,
  updated_at       bigint NOT NULL,
  UNIQUE (app_id, uid)
);

CREATE TABLE messages (
  id            text COLLATE "C" PRIMARY KEY,
  app_id        text COLLATE "C" NOT NULL,
  source        text,
  event_type    text,
  event_id      text,
  ordering_key  text,
  sequence      bigint,
  payload       bytea,
  content_type  text,
  headers       jsonb NOT NULL DEFAULT '{}',
  channels      jsonb,
  state         text NOT NULL,
  error         text,
  received_at   bigint NOT NULL
);
CREATE INDEX messages_by_app ON messages (app_id, id);

-- One row per remembered provider event id; the window is enforced by expires_at.
CREATE TABLE dedupe (
  scope       text NOT NULL,
  event_id    text NOT NULL,
  message_id  text COLLATE "C" NOT NULL,
  expires_at  bigint NOT NULL,
  PRIMARY KEY (scope, event_id)
);
CREATE INDEX dedupe_expiry ON dedupe (expires_at);

CREATE TABLE deliveries (
  id                text COLLATE "C" PRIMARY KEY,
  message_id        text COLLATE "C" NOT NULL,
  endpoint_id       text COLLATE "C" NOT NULL,
  app_id            text COLLATE "C" NOT NULL,
  state             text NOT NULL,
  attempts          integer NOT NULL DEFAULT 0,
  next_attempt_at   bigint,
  lease_owner       text,
  lease_expires_at  bigint,
  ordering_key      text,
  sequence          bigint,
  manual            boolean NOT NULL DEFAULT false,
  last_status       integer,
  last_error        text,
  created_at        bigint NOT NULL,
  updated_at        bigint NOT NULL,
  UNIQUE (message_id, endpoint_id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state IN ('pending', 'scheduled');
CREATE INDEX deliveries_in_flight ON deliveries (lease_expires_at) WHERE state = 'in_flight';
-- Per-endpoint concurrency is counted from in-flight rows at every lease.
CREATE INDEX deliveries_in_flight_by_endpoint ON deliveries (endpoint_id) WHERE state = 'in_flight';

CREATE TABLE attempts (
  id             text COLLATE "C" PRIMARY KEY,
  delivery_id    text COLLATE "C" NOT NULL,
  message_id     text COLLATE "C" NOT NULL,
  endpoint_id    text COLLATE "C" NOT NULL,
  app_id         text COLLATE "C" NOT NULL,
  url            text NOT NULL,
  trigger        text NOT NULL,
  started_at     bigint NOT NULL,
  duration_ms    integer NOT NULL,
  status         integer,
  response_body  text,
  error          text,
  succeeded      boolean NOT NULL
);
CREATE INDEX attempts_by_app ON attempts (app_id, id);
CREATE INDEX attempts_by_message ON attempts (message_id, id);
CREATE INDEX attempts_by_endpoint ON attempts (endpoint_id, id);
