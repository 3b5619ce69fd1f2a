-- Diagnostics (every revision kept) and contracts with their objectives.
-- Kept in step with ../postgres/0003_diagnostic_contract.sql (checked by a test).

CREATE TABLE diagnostics (
    id BLOB PRIMARY KEY NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id),
    version INTEGER NOT NULL,
    data TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (person_id, version)
);

CREATE TABLE contracts (
    id BLOB PRIMARY KEY NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id),
    kind TEXT NOT NULL,
    orientation_id BLOB NOT NULL REFERENCES orientations (id),
    assignment_id BLOB NOT NULL REFERENCES referent_assignments (id),
    status TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    duration_months INTEGER NOT NULL,
    ends_on TEXT NOT NULL,
    weekly_hours INTEGER,
    hours_reason TEXT,
    hours_note TEXT,
    person_commitments TEXT NOT NULL,
    organisation_commitments TEXT NOT NULL,
    signed_on TEXT,
    validated_on TEXT,
    validated_by TEXT,
    rejection_reason TEXT,
    ended_on TEXT,
    reviewed_on TEXT,
    review_comment TEXT,
    previous_contract_id BLOB REFERENCES contracts (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX contracts_person ON contracts (person_id, starts_on);
CREATE INDEX contracts_status ON contracts (status);

CREATE TABLE contract_objectives (
    id BLOB PRIMARY KEY NOT NULL,
    contract_id BLOB NOT NULL REFERENCES contracts (id),
    position INTEGER NOT NULL,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    barriers TEXT NOT NULL,
    actions TEXT NOT NULL,
    review_result TEXT,
    review_comment TEXT
);
CREATE INDEX contract_objectives_contract ON contract_objectives (contract_id, position);
