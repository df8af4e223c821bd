-- Svix resolves a message by its eventId as well as its id: migration 006's messages_by_event_id serves that look-up.

-- How a delivery carries the provider's own signature: forwarded as received, signed afresh, or dropped.
ALTER TABLE endpoints ADD COLUMN provider_signature TEXT NOT NULL DEFAULT 'resign';
