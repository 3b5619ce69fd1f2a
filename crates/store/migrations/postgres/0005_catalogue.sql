-- The catalogue: partner structures, families of actions, actions with their
-- search tags, funding lines and sessions.
-- Kept in step with ../sqlite/0005_catalogue.sql (checked by a test).

-- A partner structure is an organisation (its users are the opérateurs)
-- with the details the catalogue publishes.
CREATE TABLE structures (
    id UUID PRIMARY KEY NOT NULL REFERENCES organisations (id),
    siret TEXT NOT NULL,
    description TEXT,
    address TEXT,
    postal_code TEXT,
    commune_code TEXT,
    commune_name TEXT,
    contact_name TEXT,
    phone TEXT,
    email TEXT,
    website TEXT,
    network TEXT,
    -- The data·inclusion id of a structure loaded from another source.
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- The département's families of actions (defaults from the source documents).
CREATE TABLE action_families (
    code TEXT PRIMARY KEY NOT NULL,
    label TEXT NOT NULL,
    position BIGINT NOT NULL
);

CREATE TABLE actions (
    id UUID PRIMARY KEY NOT NULL,
    structure_id UUID NOT NULL REFERENCES structures (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    family TEXT REFERENCES action_families (code),
    service_type TEXT NOT NULL,
    format TEXT NOT NULL,
    -- JSON arrays of codes (the searchable ones are also in action_tags).
    thematiques TEXT NOT NULL,
    publics TEXT NOT NULL,
    reception TEXT NOT NULL,
    -- JSON documents of the domain's EligibilityRules and Schedule.
    eligibility TEXT NOT NULL,
    schedule TEXT NOT NULL,
    capacity BIGINT,
    capacity_period TEXT NOT NULL,
    -- Places currently taken, kept by the positioning in the same transaction.
    places_taken BIGINT NOT NULL DEFAULT 0,
    address TEXT,
    postal_code TEXT,
    commune_code TEXT,
    commune_name TEXT,
    weekly_hours DOUBLE PRECISION,
    duration_weeks BIGINT,
    self_referral BOOLEAN NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE,
    contact_name TEXT,
    contact_phone TEXT,
    contact_email TEXT,
    how_to_apply TEXT,
    status TEXT NOT NULL,
    -- Folded name, description and structure name, for the public search.
    search_text TEXT NOT NULL,
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX actions_structure ON actions (structure_id);
CREATE INDEX actions_status_name ON actions (status, name, id);
-- The public search counts and filters from these alone (action rows are wide).
CREATE INDEX actions_public ON actions (status, ends_on, commune_code, format, family, capacity, places_taken);
CREATE INDEX actions_communes ON actions (status, commune_code, commune_name);
CREATE INDEX actions_search ON actions (status, ends_on, search_text);

-- What the public catalogue filters on: kind 'thematique', 'categorie' or 'public'.
CREATE TABLE action_tags (
    action_id UUID NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (action_id, kind, code)
);
CREATE INDEX action_tags_code ON action_tags (kind, code, action_id);

CREATE TABLE action_fundings (
    id UUID PRIMARY KEY NOT NULL,
    action_id UUID NOT NULL REFERENCES actions (id),
    kind TEXT NOT NULL,
    funder TEXT NOT NULL,
    year BIGINT NOT NULL,
    amount_cents BIGINT NOT NULL,
    contract_number TEXT,
    lot TEXT,
    fse_plus BOOLEAN NOT NULL,
    fse_operation TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX action_fundings_action ON action_fundings (action_id);
CREATE INDEX action_fundings_year ON action_fundings (year);

CREATE TABLE action_sessions (
    id UUID PRIMARY KEY NOT NULL,
    action_id UUID NOT NULL REFERENCES actions (id),
    on_date DATE NOT NULL,
    -- HH:MM
    starts_at TEXT,
    ends_at TEXT,
    -- Added by hand rather than generated from the schedule.
    ad_hoc BOOLEAN NOT NULL,
    cancelled BOOLEAN NOT NULL DEFAULT FALSE,
    note TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX action_sessions_action ON action_sessions (action_id, on_date);
CREATE INDEX action_sessions_date ON action_sessions (on_date);
