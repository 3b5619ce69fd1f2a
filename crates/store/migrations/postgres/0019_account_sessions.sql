-- Accounts: a password set by someone else is temporary (changed at the
-- first login), and a session is valid only while its account's session
-- generation is the one it was opened under: a reset or a change of
-- password, or an administrator ending the account's sessions, moves the
-- generation on and so ends every other session at its next request.
-- Kept in step with ../sqlite/0019_account_sessions.sql (checked by a test).

ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN session_generation BIGINT NOT NULL DEFAULT 0;
