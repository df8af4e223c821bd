-- The lease pass reads past the window of the due queue one endpoint at a time when the window
-- is full of what cannot go now (FIFO non-heads, a saturated or disabled endpoint's backlog):
-- each endpoint's due deliveries in due order, without walking any other endpoint's.
CREATE INDEX deliveries_due_by_endpoint ON deliveries (endpoint_id, next_attempt_at) WHERE state IN ('pending', 'scheduled');
-- On a FIFO endpoint that read goes key by key: the first open delivery of each state in a key's
-- order decides its head, so a key with a long backlog behind a head in flight costs a few probes.
CREATE INDEX deliveries_open_by_key ON deliveries (endpoint_id, ordering_key, state, COALESCE(sequence, created_at), id)
  WHERE state IN ('pending', 'scheduled', 'in_flight', 'dead');
