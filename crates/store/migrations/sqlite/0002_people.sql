-- People, households, orientation, référent unique, deadline clocks.
-- Kept in step with ../postgres/0002_people.sql (checked by a test).

CREATE TABLE communes (
    insee_code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    postcode TEXT NOT NULL,
    territory_id BLOB REFERENCES territories (id)
);

CREATE TABLE households (
    id BLOB PRIMARY KEY NOT NULL,
    rsa_number TEXT NOT NULL UNIQUE,
    caf_number TEXT,
    fund TEXT NOT NULL,
    rsa_state INTEGER NOT NULL,
    rsa_state_on TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX households_caf_number ON households (caf_number);

CREATE TABLE persons (
    id BLOB PRIMARY KEY NOT NULL,
    household_id BLOB NOT NULL REFERENCES households (id),
    household_role TEXT NOT NULL,
    last_name TEXT NOT NULL,
    first_names TEXT NOT NULL,
    birth_name TEXT,
    birth_date TEXT NOT NULL,
    sex TEXT NOT NULL,
    nir TEXT UNIQUE,
    email TEXT,
    phone TEXT,
    address TEXT,
    commune_code TEXT REFERENCES communes (insee_code),
    territory_id BLOB REFERENCES territories (id),
    subject_to_duties BOOLEAN NOT NULL,
    duties_since TEXT,
    single_parent BOOLEAN NOT NULL DEFAULT FALSE,
    other_minimum_income BOOLEAN NOT NULL DEFAULT FALSE,
    rqth BOOLEAN NOT NULL DEFAULT FALSE,
    responsible_organisation_id BLOB REFERENCES organisations (id),
    closed_on TEXT,
    closure_reason TEXT,
    merged_into_id BLOB REFERENCES persons (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX persons_household ON persons (household_id);
CREATE INDEX persons_birth_date ON persons (birth_date);
CREATE INDEX persons_scope ON persons (responsible_organisation_id, territory_id);

-- Accent- and case-free name tokens, for prefix search on any name.
CREATE TABLE person_name_tokens (
    token TEXT NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id),
    PRIMARY KEY (token, person_id)
);
CREATE INDEX person_name_tokens_person ON person_name_tokens (person_id);

-- Every version of a person file (rectifications keep history).
CREATE TABLE person_revisions (
    id BLOB PRIMARY KEY NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id),
    version INTEGER NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX person_revisions_person ON person_revisions (person_id, version);

CREATE TABLE orientations (
    id BLOB PRIMARY KEY NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id),
    kind TEXT NOT NULL,
    lead_organisation_id BLOB NOT NULL REFERENCES organisations (id),
    decided_on TEXT NOT NULL,
    reason TEXT,
    extended_review BOOLEAN NOT NULL DEFAULT FALSE,
    decided_by TEXT NOT NULL,
    status TEXT NOT NULL,
    notified_on TEXT,
    reviewed_by TEXT,
    rejection_reason TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX orientations_person ON orientations (person_id, created_at);
CREATE INDEX orientations_status ON orientations (status, lead_organisation_id);

CREATE TABLE referent_assignments (
    id BLOB PRIMARY KEY NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id),
    orientation_id BLOB REFERENCES orientations (id),
    referent_id BLOB NOT NULL REFERENCES users (id),
    starts_on TEXT NOT NULL,
    ends_on TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX referent_assignments_person ON referent_assignments (person_id, starts_on);
CREATE INDEX referent_assignments_referent ON referent_assignments (referent_id, ends_on);

-- Joint reviews of a social pathway.
CREATE TABLE pathway_reviews (
    id BLOB PRIMARY KEY NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id),
    reviewed_on TEXT NOT NULL,
    outcome TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX pathway_reviews_person ON pathway_reviews (person_id, reviewed_on);

-- The clocks of each person, recomputed by domain code on every change,
-- so that late and due-soon lists are one indexed query.
CREATE TABLE person_clocks (
    person_id BLOB NOT NULL REFERENCES persons (id),
    kind TEXT NOT NULL,
    started_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    met_on TEXT,
    PRIMARY KEY (person_id, kind)
);
CREATE INDEX person_clocks_due ON person_clocks (due_on);

CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
