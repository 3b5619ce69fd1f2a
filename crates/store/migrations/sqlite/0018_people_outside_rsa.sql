-- A person outside the RSA (another minimum income, a single parent, any
-- precarity, admitted at the margin of an action) has a file without a
-- dossier RSA: no household. SQLite cannot drop a NOT NULL constraint, so
-- the table is rebuilt under its own name, inside the migration's
-- transaction: the rows wait in a plain copy while « persons » is dropped
-- and created again. Foreign keys are deferred to the commit: dropping the
-- table counts the other tables' references to its rows as violations,
-- and inserting the same rows back cancels them. Then its indexes and
-- triggers again. Kept in step with ../postgres/0018_people_outside_rsa.sql
-- (checked by a test).

PRAGMA defer_foreign_keys = ON;

CREATE TABLE persons_copy AS SELECT * FROM persons;
DROP TABLE persons;

CREATE TABLE persons (
    id BLOB PRIMARY KEY NOT NULL,
    household_id BLOB REFERENCES households (id),
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
INSERT INTO persons (id, household_id, household_role, last_name, first_names, birth_name, birth_date, sex, nir, email, phone, address, commune_code, territory_id, subject_to_duties, duties_since, single_parent, other_minimum_income, rqth, responsible_organisation_id, closed_on, closure_reason, merged_into_id, version, created_at, updated_at)
SELECT id, household_id, household_role, last_name, first_names, birth_name, birth_date, sex, nir, email, phone, address, commune_code, territory_id, subject_to_duties, duties_since, single_parent, other_minimum_income, rqth, responsible_organisation_id, closed_on, closure_reason, merged_into_id, version, created_at, updated_at FROM persons_copy;
DROP TABLE persons_copy;

CREATE INDEX persons_household ON persons (household_id);
CREATE INDEX persons_birth_date ON persons (birth_date);
CREATE INDEX persons_scope ON persons (responsible_organisation_id, territory_id);
CREATE INDEX persons_listing ON persons
    (id, closed_on, last_name, first_names, birth_date, responsible_organisation_id, territory_id);

CREATE TRIGGER persons_household_role_code_insert BEFORE INSERT ON persons
    WHEN NEW.household_role NOT IN ('DEM', 'CJT', 'ENF', 'AUT')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: persons_household_role_code'); END;
CREATE TRIGGER persons_household_role_code_update BEFORE UPDATE OF household_role ON persons
    WHEN NEW.household_role NOT IN ('DEM', 'CJT', 'ENF', 'AUT')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: persons_household_role_code'); END;
CREATE TRIGGER persons_sex_code_insert BEFORE INSERT ON persons
    WHEN NEW.sex NOT IN ('F', 'M')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: persons_sex_code'); END;
CREATE TRIGGER persons_sex_code_update BEFORE UPDATE OF sex ON persons
    WHEN NEW.sex NOT IN ('F', 'M')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: persons_sex_code'); END;
CREATE TRIGGER persons_closure_reason_code_insert BEFORE INSERT ON persons
    WHEN NEW.closure_reason NOT IN ('rsa_closed', 'moved', 'end_of_duties', 'deceased', 'merged', 'other')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: persons_closure_reason_code'); END;
CREATE TRIGGER persons_closure_reason_code_update BEFORE UPDATE OF closure_reason ON persons
    WHEN NEW.closure_reason NOT IN ('rsa_closed', 'moved', 'end_of_duties', 'deceased', 'merged', 'other')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: persons_closure_reason_code'); END;

CREATE TRIGGER person_name_tokens_follow
AFTER UPDATE OF last_name, first_names, birth_date, responsible_organisation_id, territory_id, closed_on ON persons
FOR EACH ROW WHEN OLD.last_name IS NOT NEW.last_name OR OLD.first_names IS NOT NEW.first_names
    OR OLD.birth_date IS NOT NEW.birth_date
    OR OLD.responsible_organisation_id IS NOT NEW.responsible_organisation_id
    OR OLD.territory_id IS NOT NEW.territory_id OR OLD.closed_on IS NOT NEW.closed_on
BEGIN
    UPDATE person_name_tokens
    SET last_name = NEW.last_name, first_names = NEW.first_names, birth_date = NEW.birth_date,
        responsible_organisation_id = NEW.responsible_organisation_id,
        territory_id = NEW.territory_id, closed_on = NEW.closed_on
    WHERE person_id = NEW.id;
END;

