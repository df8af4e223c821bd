-- Kept in step with SQLite's 011: each endpoint's due deliveries in due order, for the lease
-- pass's per-endpoint read past a saturated endpoint's backlog (and the stall check's count).
-- On the partitioned parent, so every partition, present and future, gets it.
CREATE INDEX deliveries_due_by_endpoint ON deliveries (endpoint_id, next_attempt_at) WHERE state IN ('pending', 'scheduled');
