-- An API token expires (one year by default, set at its creation); the
-- tokens issued before get a year from their creation.
-- Kept in step with ../postgres/0021_token_expiry.sql (checked by a test).

ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;

UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%f', created_at, '+1 year') || '000Z';
