-- Routing (issue 19): transformations on endpoints and sources.

-- An endpoint's transformation: {"code": "...", "enabled": true}; NULL: none.
ALTER TABLE endpoints ADD COLUMN transformation TEXT;

-- A source's transformation set through the API; it wins over the one in the YAML.
CREATE TABLE source_transformations (
  source      TEXT PRIMARY KEY,
  code        TEXT NOT NULL,
  enabled     INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) WITHOUT ROWID;
