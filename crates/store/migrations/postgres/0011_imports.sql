-- Imports of CAF/MSA XML files and CSV files: one row per file (done or
-- failed), and what each imported file changed. A file is imported in one
-- transaction: its row and its changes exist only if the whole file went in.
-- Kept in step with ../sqlite/0011_imports.sql (checked by a test).

CREATE TABLE imports (
    id UUID PRIMARY KEY NOT NULL,
    -- caf_beneficiaires, caf_instruction, csv
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_date DATE,
    -- done, failed
    status TEXT NOT NULL,
    records BIGINT NOT NULL DEFAULT 0,
    households_created BIGINT NOT NULL DEFAULT 0,
    households_updated BIGINT NOT NULL DEFAULT 0,
    persons_created BIGINT NOT NULL DEFAULT 0,
    persons_updated BIGINT NOT NULL DEFAULT 0,
    new_entrants BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    -- JSON: the rejected records and warnings, or why the file was refused
    report TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX imports_started ON imports (started_at);

-- What an import changed: new entrants to droits et devoirs, people who
-- left them, corrected identities, moves between households, RSA states.
CREATE TABLE import_changes (
    import_id UUID NOT NULL REFERENCES imports (id),
    household_id UUID NOT NULL REFERENCES households (id),
    person_id UUID REFERENCES persons (id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    occurred_on DATE NOT NULL
);
CREATE INDEX import_changes_import ON import_changes (import_id, kind);
CREATE INDEX import_changes_person ON import_changes (person_id);
CREATE INDEX import_changes_household ON import_changes (household_id);

-- Saved column mappings of CSV imports (which column holds which field).
CREATE TABLE csv_mappings (
    name TEXT PRIMARY KEY NOT NULL,
    -- JSON object: field → column header
    columns TEXT NOT NULL,
    delimiter TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
