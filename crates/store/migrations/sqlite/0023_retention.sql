-- Retention (issue 18): a file with no contact for the configured period is
-- anonymised (`anonymised_on`, the day it was), and audit events older than
-- the audit period are deleted by the purge — by it alone. The append-only
-- trigger lets a DELETE through only while a row of `audit_purge_permits`
-- exists: the purge inserts it and deletes it again within its own
-- transaction, which no other connection sees (SQLite has one writer at a
-- time). UPDATE stays always refused. The reads' file (`lectures`,
-- ../sqlite_reads.sql) has the same rule.
-- Kept in step with ../postgres/0023_retention.sql (checked by a test).

ALTER TABLE persons ADD COLUMN anonymised_on TEXT;

CREATE TABLE audit_purge_permits (
    id INTEGER PRIMARY KEY NOT NULL
);

DROP TRIGGER audit_events_no_delete;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permits)
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
