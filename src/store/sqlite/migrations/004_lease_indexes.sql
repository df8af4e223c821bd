-- The lease pass counts in-flight deliveries per endpoint on every pass. Without
-- an index keyed by endpoint over the in-flight rows alone, that count read the
-- whole deliveries table (every delivery ever made), so draining a backlog got
-- slower as it went.
CREATE INDEX deliveries_in_flight_by_endpoint ON deliveries (endpoint_id) WHERE state = 'in_flight';

-- `GET /app/{app}/endpoint/{endpoint}/msg` pages one endpoint's deliveries by message id.
CREATE INDEX deliveries_by_endpoint_message ON deliveries (endpoint_id, message_id);
