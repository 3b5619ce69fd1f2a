-- Each clock carries its person's organisation and territory (copied by
-- refresh_clocks, the one place clocks are written), so that late and
-- due-soon lists and counts are index range scans, without a join.
ALTER TABLE person_clocks ADD COLUMN organisation_id BLOB;
ALTER TABLE person_clocks ADD COLUMN territory_id BLOB;
UPDATE person_clocks SET
    organisation_id = (SELECT p.responsible_organisation_id FROM persons p WHERE p.id = person_clocks.person_id),
    territory_id = (SELECT p.territory_id FROM persons p WHERE p.id = person_clocks.person_id);
CREATE INDEX person_clocks_open_scope ON person_clocks (organisation_id, territory_id, due_on) WHERE met_on IS NULL;
CREATE INDEX person_clocks_open ON person_clocks (due_on) WHERE met_on IS NULL;
