-- Ordering, stale detection, payload filters and the schema quarantine (issue 6).

-- FIFO per (endpoint, ordering key) and what happens around it; see docs/ordering.md.
ALTER TABLE endpoints ADD COLUMN fifo INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN stale_policy TEXT NOT NULL DEFAULT 'skip';   -- 'skip' | 'deliver'
ALTER TABLE endpoints ADD COLUMN on_dead TEXT NOT NULL DEFAULT 'skip';        -- 'skip' | 'block'
ALTER TABLE endpoints ADD COLUMN reorder_window_ms INTEGER;                   -- NULL: the source's window
ALTER TABLE endpoints ADD COLUMN filter TEXT;                                 -- payload filter document (JSON)
ALTER TABLE endpoints ADD COLUMN record_skipped INTEGER NOT NULL DEFAULT 0;

-- 1 when the delivery's sequence was below the last one delivered for its key on its endpoint.
ALTER TABLE deliveries ADD COLUMN stale INTEGER NOT NULL DEFAULT 0;
-- Why a delivery is skipped: 'filtered' or 'stale'.
ALTER TABLE deliveries ADD COLUMN skip_reason TEXT;

-- Every JSON Schema error of an `invalid` message: [{path, message}].
ALTER TABLE messages ADD COLUMN validation_errors TEXT;

-- The FIFO head check looks at the other deliveries of one (endpoint, key).
CREATE INDEX deliveries_by_key ON deliveries (endpoint_id, ordering_key) WHERE ordering_key IS NOT NULL;
-- The quarantine lists an application's invalid messages.
CREATE INDEX messages_by_state ON messages (app_id, state, id);

-- The highest sequence delivered per (endpoint, key): what stale detection compares with.
CREATE TABLE ordering_marks (
  endpoint_id    TEXT NOT NULL,
  ordering_key   TEXT NOT NULL,
  last_sequence  INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  PRIMARY KEY (endpoint_id, ordering_key)
) WITHOUT ROWID;
