-- Imports of CAF/MSA XML files and CSV files: one row per file (done or
-- failed), and what each imported file changed. A file is imported in one
-- transaction: its row and its changes exist only if the whole file went in.
-- Kept in step with ../postgres/0011_imports.sql (checked by a test).

CREATE TABLE imports (
    id BLOB PRIMARY KEY NOT NULL,
    -- caf_beneficiaires, caf_instruction, csv
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_date TEXT,
    -- done, failed
    status TEXT NOT NULL,
    records INTEGER NOT NULL DEFAULT 0,
    households_created INTEGER NOT NULL DEFAULT 0,
    households_updated INTEGER NOT NULL DEFAULT 0,
    persons_created INTEGER NOT NULL DEFAULT 0,
    persons_updated INTEGER NOT NULL DEFAULT 0,
    new_entrants INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    -- JSON: the rejected records and warnings, or why the file was refused
    report TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL
);
CREATE INDEX imports_started ON imports (started_at);

-- What an import changed: new entrants to droits et devoirs, people who
-- left them, corrected identities, moves between households, RSA states.
CREATE TABLE import_changes (
    import_id BLOB NOT NULL REFERENCES imports (id),
    household_id BLOB NOT NULL REFERENCES households (id),
    person_id BLOB REFERENCES persons (id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    occurred_on TEXT NOT NULL
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
    updated_at TEXT NOT NULL
);
