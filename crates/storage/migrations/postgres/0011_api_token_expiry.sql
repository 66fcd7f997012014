-- An API token may expire (chosen at creation); NULL is never. A token past it is unknown.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
