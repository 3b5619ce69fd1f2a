-- The follow-up log (journal de suivi, issue 23): dated entries a référent
-- writes about a person, never changed afterwards; sensitive ones are read
-- only with the diagnostic's sensitive part.
-- Kept in step with ../sqlite/0031_follow_up_log.sql (checked by a test).

CREATE TABLE follow_up_log (
    id UUID PRIMARY KEY NOT NULL,
    person_id UUID NOT NULL REFERENCES persons (id),
    kind TEXT NOT NULL CONSTRAINT follow_up_log_kind_code
        CHECK (kind IN ('entretien', 'appel', 'note', 'document')),
    occurred_on DATE NOT NULL,
    text TEXT NOT NULL,
    sensitive BOOLEAN NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX follow_up_log_person ON follow_up_log (person_id, occurred_on);
