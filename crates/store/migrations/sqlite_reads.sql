-- SQLite only: the audit events recorded on their own, outside any change
-- (a file opened, a list shown or exported, a sign-out), go to a database
-- file of their own beside the main one (`parcours.db.lectures`), attached
-- to every connection as `lectures`. A commit to the main file makes every reader
-- drop its cache and mapping of that file: written there, the reads' own
-- trail cost the screens more than the screens themselves
-- (docs/PERFORMANCE.md). Same columns and rules as the main file's
-- audit_events (0001_foundation.sql), which keeps the events of changes,
-- written in the change's own transaction. Run at each start: idempotent.

PRAGMA lectures.journal_mode = WAL;
PRAGMA lectures.synchronous = NORMAL;

CREATE TABLE IF NOT EXISTS lectures.audit_events (
    id BLOB PRIMARY KEY NOT NULL,
    at TEXT NOT NULL,
    actor_id BLOB,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS lectures.audit_events_at ON audit_events (at);
CREATE INDEX IF NOT EXISTS lectures.audit_events_actor ON audit_events (actor_id, at);
CREATE INDEX IF NOT EXISTS lectures.audit_events_entity ON audit_events (entity_type, entity_id, at);

CREATE TRIGGER IF NOT EXISTS lectures.audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

-- Deleted by the retention purge alone (0023_retention.sql says how); the
-- trigger of before the purge existed is replaced by this one.
CREATE TABLE IF NOT EXISTS lectures.audit_purge_permits (
    id INTEGER PRIMARY KEY NOT NULL
);
DROP TRIGGER IF EXISTS lectures.audit_events_no_delete;
CREATE TRIGGER IF NOT EXISTS lectures.audit_events_no_delete_but_purge BEFORE DELETE ON audit_events
WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permits)
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
