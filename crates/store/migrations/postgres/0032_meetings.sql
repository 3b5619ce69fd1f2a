-- The référent's appointments with a person (issue 23): planned at an
-- instant, held by one staff member of an organisation; the outcome is
-- recorded afterwards, or the appointment cancelled before. An outcome
-- 'absent' is a possible breach.
-- Kept in step with ../sqlite/0032_meetings.sql (checked by a test).

CREATE TABLE meetings (
    id UUID PRIMARY KEY NOT NULL,
    person_id UUID NOT NULL REFERENCES persons (id),
    held_by UUID NOT NULL REFERENCES users (id),
    organisation_id UUID NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL CONSTRAINT meetings_kind_code
        CHECK (kind IN ('information_collective', 'orientation', 'diagnostic', 'signature', 'suivi', 'bilan')),
    starts_at TIMESTAMPTZ NOT NULL,
    duration_minutes BIGINT NOT NULL,
    modality TEXT NOT NULL CONSTRAINT meetings_modality_code
        CHECK (modality IN ('sur_place', 'telephone', 'visio')),
    place TEXT,
    note TEXT,
    outcome TEXT CONSTRAINT meetings_outcome_code
        CHECK (outcome IN ('venu', 'absent', 'excuse', 'annule_personne', 'annule_service')),
    outcome_at TIMESTAMPTZ,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX meetings_person ON meetings (person_id, starts_at);
CREATE INDEX meetings_held_by ON meetings (held_by, starts_at);
CREATE INDEX meetings_organisation ON meetings (organisation_id, starts_at);
