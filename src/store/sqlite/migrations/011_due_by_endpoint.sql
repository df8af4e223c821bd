-- The lease pass reads past the window of the due queue one endpoint at a time when the window
-- is full of what cannot go now (FIFO non-heads, a saturated or disabled endpoint's backlog):
-- each endpoint's due deliveries in due order, without walking any other endpoint's.
CREATE INDEX deliveries_due_by_endpoint ON deliveries (endpoint_id, next_attempt_at) WHERE state IN ('pending', 'scheduled');
