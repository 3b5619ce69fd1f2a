-- A name search sorts and scopes its candidates by the index of name tokens
-- alone: each token row carries its file's sort key (names, birth date) and
-- scope (organisation, territory, closed). Before, each of the 1 675 files
-- whose names start with « martin » (at 100 000 people) was looked up in
-- persons to be sorted and checked (docs/PERFORMANCE.md). The rows are
-- written with these values (store::person, person_load) and kept in step by
-- the trigger below when a file changes. Kept in step with
-- ../sqlite/0013_search_tokens.sql (checked by a test).

ALTER TABLE person_name_tokens
    ADD COLUMN last_name TEXT,
    ADD COLUMN first_names TEXT,
    ADD COLUMN birth_date DATE,
    ADD COLUMN responsible_organisation_id UUID,
    ADD COLUMN territory_id UUID,
    ADD COLUMN closed_on DATE;

UPDATE person_name_tokens
SET last_name = p.last_name, first_names = p.first_names, birth_date = p.birth_date,
    responsible_organisation_id = p.responsible_organisation_id,
    territory_id = p.territory_id, closed_on = p.closed_on
FROM persons p WHERE p.id = person_name_tokens.person_id;

-- The key becomes (person_id, token): it serves the deletes by file, and the
-- search's index is then the only one to start with the token (PostgreSQL,
-- misjudging a prefix range as one row, took the narrower key and read the
-- table for each candidate).
ALTER TABLE person_name_tokens DROP CONSTRAINT person_name_tokens_pkey;
ALTER TABLE person_name_tokens ADD PRIMARY KEY (person_id, token);
DROP INDEX person_name_tokens_person;

CREATE INDEX person_name_tokens_search ON person_name_tokens
    (token, last_name, first_names, birth_date, person_id, responsible_organisation_id, territory_id, closed_on);

CREATE FUNCTION person_name_tokens_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE person_name_tokens
    SET last_name = NEW.last_name, first_names = NEW.first_names, birth_date = NEW.birth_date,
        responsible_organisation_id = NEW.responsible_organisation_id,
        territory_id = NEW.territory_id, closed_on = NEW.closed_on
    WHERE person_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER person_name_tokens_follow
AFTER UPDATE OF last_name, first_names, birth_date, responsible_organisation_id, territory_id, closed_on ON persons
FOR EACH ROW WHEN (OLD.last_name IS DISTINCT FROM NEW.last_name OR OLD.first_names IS DISTINCT FROM NEW.first_names
    OR OLD.birth_date IS DISTINCT FROM NEW.birth_date
    OR OLD.responsible_organisation_id IS DISTINCT FROM NEW.responsible_organisation_id
    OR OLD.territory_id IS DISTINCT FROM NEW.territory_id OR OLD.closed_on IS DISTINCT FROM NEW.closed_on)
EXECUTE FUNCTION person_name_tokens_follow();

-- A référent's current files by the index alone (the scope of every list
-- and search a référent makes, and the caseload): the person's id was read
-- from the table, one page per designation.
DROP INDEX referent_assignments_referent;
CREATE INDEX referent_assignments_referent ON referent_assignments (referent_id, ends_on, person_id);
