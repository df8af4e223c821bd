-- Kept in step with SQLite's 004. PostgreSQL has had this index since 001: the
-- lease pass counts in-flight deliveries per endpoint under the endpoint lock.
CREATE INDEX IF NOT EXISTS deliveries_in_flight_by_endpoint ON deliveries (endpoint_id) WHERE state = 'in_flight';

-- `GET /app/{app}/endpoint/{endpoint}/msg` pages one endpoint's deliveries by message id.
CREATE INDEX deliveries_by_endpoint_message ON deliveries (endpoint_id, message_id);
