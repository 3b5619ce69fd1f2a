-- A name search sorts and scopes its candidates by the index of name tokens
-- alone: each token row carries its file's sort key (names, birth date) and
-- scope (organisation, territory, closed). Before, each of the 1 675 files
-- whose names start with « martin » (at 100 000 people) was looked up in
-- persons to be sorted and checked (docs/PERFORMANCE.md). The rows are
-- written with these values (store::person, person_load) and kept in step by
-- the trigger below when a file changes. Kept in step with
-- ../postgres/0013_search_tokens.sql (checked by a test).

-- The key becomes (person_id, token): it serves the deletes by file, and the
-- search's index is then the only one to start with the token (PostgreSQL,
-- misjudging a prefix range as one row, took the narrower key and read the
-- table for each candidate). SQLite changes a key by copying the table.
CREATE TABLE person_name_tokens_new (
    token TEXT NOT NULL,
    person_id BLOB NOT NULL REFERENCES persons (id),
    last_name TEXT,
    first_names TEXT,
    birth_date TEXT,
    responsible_organisation_id BLOB,
    territory_id BLOB,
    closed_on TEXT,
    PRIMARY KEY (person_id, token)
);
INSERT INTO person_name_tokens_new
SELECT t.token, t.person_id, p.last_name, p.first_names, p.birth_date,
       p.responsible_organisation_id, p.territory_id, p.closed_on
FROM person_name_tokens t JOIN persons p ON p.id = t.person_id;
DROP TABLE person_name_tokens;
ALTER TABLE person_name_tokens_new RENAME TO person_name_tokens;

CREATE INDEX person_name_tokens_search ON person_name_tokens
    (token, last_name, first_names, birth_date, person_id, responsible_organisation_id, territory_id, closed_on);

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

-- A référent's current files by the index alone (the scope of every list
-- and search a référent makes, and the caseload): the person's id was read
-- from the table, one page per designation.
DROP INDEX referent_assignments_referent;
CREATE INDEX referent_assignments_referent ON referent_assignments (referent_id, ends_on, person_id);
