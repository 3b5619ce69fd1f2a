-- Diagnostics (every revision kept) and contracts with their objectives.
-- Kept in step with ../sqlite/0003_diagnostic_contract.sql (checked by a test).

CREATE TABLE diagnostics (
    id UUID PRIMARY KEY NOT NULL,
    person_id UUID NOT NULL REFERENCES persons (id),
    version BIGINT NOT NULL,
    data TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (person_id, version)
);

CREATE TABLE contracts (
    id UUID PRIMARY KEY NOT NULL,
    person_id UUID NOT NULL REFERENCES persons (id),
    kind TEXT NOT NULL,
    orientation_id UUID NOT NULL REFERENCES orientations (id),
    assignment_id UUID NOT NULL REFERENCES referent_assignments (id),
    status TEXT NOT NULL,
    starts_on DATE NOT NULL,
    duration_months BIGINT NOT NULL,
    ends_on DATE NOT NULL,
    weekly_hours BIGINT,
    hours_reason TEXT,
    hours_note TEXT,
    person_commitments TEXT NOT NULL,
    organisation_commitments TEXT NOT NULL,
    signed_on DATE,
    validated_on DATE,
    validated_by TEXT,
    rejection_reason TEXT,
    ended_on DATE,
    reviewed_on DATE,
    review_comment TEXT,
    previous_contract_id UUID REFERENCES contracts (id),
    version BIGINT NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX contracts_person ON contracts (person_id, starts_on);
CREATE INDEX contracts_status ON contracts (status);

CREATE TABLE contract_objectives (
    id UUID PRIMARY KEY NOT NULL,
    contract_id UUID NOT NULL REFERENCES contracts (id),
    position BIGINT NOT NULL,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    barriers TEXT NOT NULL,
    actions TEXT NOT NULL,
    review_result TEXT,
    review_comment TEXT
);
CREATE INDEX contract_objectives_contract ON contract_objectives (contract_id, position);
