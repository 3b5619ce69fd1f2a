-- The référent's appointments with a person (issue 23): planned at an
-- instant (UTC text, as every instant here), held by one staff member of
-- an organisation; the outcome is recorded afterwards, or the appointment
-- cancelled before. An outcome 'absent' is a possible breach.
-- Kept in step with ../postgres/0032_meetings.sql (checked by a test).

CREATE TABLE meetings (
    id BLOB PRIMARY KEY NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id),
    held_by BLOB NOT NULL REFERENCES users (id),
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    modality TEXT NOT NULL,
    place TEXT,
    note TEXT,
    outcome TEXT,
    outcome_at TEXT,
    version INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX meetings_person ON meetings (person_id, starts_at);
CREATE INDEX meetings_held_by ON meetings (held_by, starts_at);
CREATE INDEX meetings_organisation ON meetings (organisation_id, starts_at);
CREATE TRIGGER meetings_kind_code_insert BEFORE INSERT ON meetings
    WHEN NEW.kind NOT IN ('information_collective', 'orientation', 'diagnostic', 'signature', 'suivi', 'bilan')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: meetings_kind_code'); END;
CREATE TRIGGER meetings_kind_code_update BEFORE UPDATE OF kind ON meetings
    WHEN NEW.kind NOT IN ('information_collective', 'orientation', 'diagnostic', 'signature', 'suivi', 'bilan')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: meetings_kind_code'); END;
CREATE TRIGGER meetings_modality_code_insert BEFORE INSERT ON meetings
    WHEN NEW.modality NOT IN ('sur_place', 'telephone', 'visio')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: meetings_modality_code'); END;
CREATE TRIGGER meetings_modality_code_update BEFORE UPDATE OF modality ON meetings
    WHEN NEW.modality NOT IN ('sur_place', 'telephone', 'visio')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: meetings_modality_code'); END;
CREATE TRIGGER meetings_outcome_code_insert BEFORE INSERT ON meetings
    WHEN NEW.outcome NOT IN ('venu', 'absent', 'excuse', 'annule_personne', 'annule_service')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: meetings_outcome_code'); END;
CREATE TRIGGER meetings_outcome_code_update BEFORE UPDATE OF outcome ON meetings
    WHEN NEW.outcome NOT IN ('venu', 'absent', 'excuse', 'annule_personne', 'annule_service')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: meetings_outcome_code'); END;
