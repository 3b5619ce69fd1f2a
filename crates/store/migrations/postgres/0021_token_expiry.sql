-- An API token expires (one year by default, set at its creation); the
-- tokens issued before get a year from their creation.
-- Kept in step with ../sqlite/0021_token_expiry.sql (checked by a test).

ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;

UPDATE api_tokens SET expires_at = created_at + INTERVAL '1 year';
