-- Retention (issue 18): a file with no contact for the configured period is
-- anonymised (`anonymised_on`, the day it was), and audit events older than
-- the audit period are deleted by the purge — by it alone. The append-only
-- trigger lets a DELETE through only while a row of `audit_purge_permits`
-- exists: the purge inserts it and deletes it again within its own
-- transaction, which no other transaction sees (an uncommitted row is
-- invisible outside it). UPDATE and TRUNCATE stay always refused.
-- Kept in step with ../sqlite/0023_retention.sql (checked by a test).

ALTER TABLE persons ADD COLUMN anonymised_on DATE;

CREATE TABLE audit_purge_permits (
    id INTEGER PRIMARY KEY NOT NULL
);

CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_purge_permits) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;
