-- The headers of each attempt: what Sluice sent (credentials from the endpoint's own headers
-- redacted before they get here) as a JSON object, and what the receiver answered (bounded) as
-- a JSON list of [name, value] pairs, in the order received. NULL: not recorded (an older
-- attempt, or a deliverer that has no HTTP headers). Added to the partitioned parent, so every
-- partition, present and future, has them.
ALTER TABLE attempts ADD COLUMN request_headers jsonb;
ALTER TABLE attempts ADD COLUMN response_headers jsonb;
