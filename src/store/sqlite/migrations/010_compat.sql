-- Svix resolves a message by its eventId as well as its id.
CREATE INDEX messages_by_event_id ON messages (app_id, event_id) WHERE event_id IS NOT NULL;

-- How a delivery carries the provider's own signature: forwarded as received, signed afresh, or dropped.
ALTER TABLE endpoints ADD COLUMN provider_signature TEXT NOT NULL DEFAULT 'resign';
