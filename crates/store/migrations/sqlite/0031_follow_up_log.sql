-- The follow-up log (journal de suivi, issue 23): dated entries a référent
-- writes about a person, never changed afterwards; sensitive ones are read
-- only with the diagnostic's sensitive part.
-- Kept in step with ../postgres/0031_follow_up_log.sql (checked by a test).

CREATE TABLE follow_up_log (
    id BLOB PRIMARY KEY NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id),
    kind TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    text TEXT NOT NULL,
    sensitive BOOLEAN NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX follow_up_log_person ON follow_up_log (person_id, occurred_on);
CREATE TRIGGER follow_up_log_kind_code_insert BEFORE INSERT ON follow_up_log
    WHEN NEW.kind NOT IN ('entretien', 'appel', 'note', 'document')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: follow_up_log_kind_code'); END;
CREATE TRIGGER follow_up_log_kind_code_update BEFORE UPDATE OF kind ON follow_up_log
    WHEN NEW.kind NOT IN ('entretien', 'appel', 'note', 'document')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: follow_up_log_kind_code'); END;
