-- Routing (issue 19): transformations on endpoints and sources.

-- An endpoint's transformation: {"code": "...", "enabled": true}; NULL: none.
ALTER TABLE endpoints ADD COLUMN transformation jsonb;

-- A source's transformation set through the API; it wins over the one in the YAML.
CREATE TABLE source_transformations (
  source      text PRIMARY KEY,
  code        text NOT NULL,
  enabled     boolean NOT NULL,
  updated_at  bigint NOT NULL
);
