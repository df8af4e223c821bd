-- PostgreSQL's 005 partitions messages, deliveries and attempts by time, so retention drops whole
-- periods. SQLite has no partitions: retention deletes old messages in batches by their id, whose
-- text begins with the receive time (`removeBefore` in store/sqlite/retention.ts), through the
-- existing keys (messages by id, deliveries by (message_id, endpoint_id), attempts by message).
-- Nothing changes here; the file keeps both dialects' migration numbers in step.
SELECT 1;
