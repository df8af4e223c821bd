-- Messages, deliveries and attempts become range partitions keyed by the message id. A message id
-- begins with the message's receive time (base62 milliseconds, COLLATE "C" so text order is time
-- order), so one partition of each table holds one period's messages with all their deliveries and
-- attempts, and retention drops the three partitions of a period together instead of deleting rows.
--
-- The existing tables are not copied: each becomes the first partition of its new parent, holding
-- everything before the next whole hour. The gateway creates the partitions after it, ahead of time
-- (`prepareStorage` in store/postgres/retention.ts); a DEFAULT partition per table catches any row that arrives before
-- its period's partition exists, and the gateway moves such rows out when it creates that partition.
--
-- A unique key of a partitioned table must contain the partition key: deliveries and attempts are
-- keyed (id, message_id). Ids stay unique by construction (time plus 83 random bits).

-- Base62 of a millisecond time as an id floor, the same text `idFloor('msg', ms)` makes.
CREATE FUNCTION pg_temp.sluice_msg_floor(ms bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  alphabet CONSTANT text := '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  digits text := '';
BEGIN
  FOR i IN 1..8 LOOP
    digits := substr(alphabet, (ms % 62)::int + 1, 1) || digits;
    ms := ms / 62;
  END LOOP;
  RETURN 'msg_' || digits;
END $$;

-- The old tables, their keys and indexes step aside under the names of the first partition.
ALTER TABLE messages RENAME TO messages_initial;
ALTER TABLE messages_initial RENAME CONSTRAINT messages_pkey TO messages_initial_pkey;
ALTER INDEX messages_by_app RENAME TO messages_initial_by_app;
ALTER INDEX messages_payload_expiry RENAME TO messages_initial_payload_expiry;
ALTER INDEX messages_by_state RENAME TO messages_initial_by_state;

ALTER TABLE deliveries RENAME TO deliveries_initial;
ALTER TABLE deliveries_initial DROP CONSTRAINT deliveries_pkey;
ALTER TABLE deliveries_initial RENAME CONSTRAINT deliveries_message_id_endpoint_id_key TO deliveries_initial_message_endpoint;
ALTER INDEX deliveries_due RENAME TO deliveries_initial_due;
ALTER INDEX deliveries_in_flight RENAME TO deliveries_initial_in_flight;
ALTER INDEX deliveries_in_flight_by_endpoint RENAME TO deliveries_initial_in_flight_by_endpoint;
ALTER INDEX deliveries_by_endpoint RENAME TO deliveries_initial_by_endpoint;
ALTER INDEX deliveries_by_key RENAME TO deliveries_initial_by_key;
ALTER INDEX deliveries_by_endpoint_message RENAME TO deliveries_initial_by_endpoint_message;

ALTER TABLE attempts RENAME TO attempts_initial;
ALTER TABLE attempts_initial DROP CONSTRAINT attempts_pkey;
ALTER INDEX attempts_by_app RENAME TO attempts_initial_by_app;
ALTER INDEX attempts_by_message RENAME TO attempts_initial_by_message;
ALTER INDEX attempts_by_endpoint RENAME TO attempts_initial_by_endpoint;

-- The parents: the same columns (LIKE copies types, collations and NOT NULL), partitioned.
CREATE TABLE messages (LIKE messages_initial INCLUDING DEFAULTS) PARTITION BY RANGE (id);
ALTER TABLE messages ADD PRIMARY KEY (id);
CREATE INDEX messages_by_app ON messages (app_id, id);
CREATE INDEX messages_payload_expiry ON messages (payload_expires_at) WHERE payload_expires_at IS NOT NULL;
CREATE INDEX messages_by_state ON messages (app_id, state, id);

CREATE TABLE deliveries (LIKE deliveries_initial INCLUDING DEFAULTS) PARTITION BY RANGE (message_id);
ALTER TABLE deliveries ADD PRIMARY KEY (id, message_id);
ALTER TABLE deliveries ADD CONSTRAINT deliveries_message_endpoint UNIQUE (message_id, endpoint_id);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state IN ('pending', 'scheduled');
CREATE INDEX deliveries_in_flight ON deliveries (lease_expires_at) WHERE state = 'in_flight';
CREATE INDEX deliveries_in_flight_by_endpoint ON deliveries (endpoint_id) WHERE state = 'in_flight';
CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, state);
CREATE INDEX deliveries_by_key ON deliveries (endpoint_id, ordering_key) WHERE ordering_key IS NOT NULL;
CREATE INDEX deliveries_by_endpoint_message ON deliveries (endpoint_id, message_id);

CREATE TABLE attempts (LIKE attempts_initial INCLUDING DEFAULTS) PARTITION BY RANGE (message_id);
ALTER TABLE attempts ADD PRIMARY KEY (id, message_id);
CREATE INDEX attempts_by_app ON attempts (app_id, id);
CREATE INDEX attempts_by_message ON attempts (message_id, id);
CREATE INDEX attempts_by_endpoint ON attempts (endpoint_id, id);

-- The old tables become the first partitions: existing indexes that match are adopted, the new keys
-- built. The bound is the next whole hour, a boundary the partitions after it can start from.
DO $$
DECLARE
  bound text := pg_temp.sluice_msg_floor(((floor(extract(epoch FROM clock_timestamp()) / 3600) + 1) * 3600000)::bigint);
BEGIN
  EXECUTE format('ALTER TABLE messages ATTACH PARTITION messages_initial FOR VALUES FROM (MINVALUE) TO (%L)', bound);
  EXECUTE format('ALTER TABLE deliveries ATTACH PARTITION deliveries_initial FOR VALUES FROM (MINVALUE) TO (%L)', bound);
  EXECUTE format('ALTER TABLE attempts ATTACH PARTITION attempts_initial FOR VALUES FROM (MINVALUE) TO (%L)', bound);
END $$;

CREATE TABLE messages_default PARTITION OF messages DEFAULT;
CREATE TABLE deliveries_default PARTITION OF deliveries DEFAULT;
CREATE TABLE attempts_default PARTITION OF attempts DEFAULT;
