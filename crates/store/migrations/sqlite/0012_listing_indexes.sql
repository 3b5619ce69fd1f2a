-- Covering indexes for the lists every référent opens (measured at 100 000
-- people: docs/PERFORMANCE.md). A name search checks the scope and sorts
-- thousands of candidates: with their names and scope columns in one index,
-- each is one index lookup instead of an index and a table lookup. A
-- caseload line shows the next open deadline: read from the index alone.
-- Catalogue and positioning pages walk published actions in name order and
-- stop at the page: with the end date in the index, without a table lookup.
-- Kept in step with ../postgres/0012_listing_indexes.sql (checked by a test).

CREATE INDEX persons_listing ON persons
    (id, closed_on, last_name, first_names, birth_date, responsible_organisation_id, territory_id);
CREATE INDEX person_clocks_next ON person_clocks (person_id, met_on, due_on, kind);
DROP INDEX actions_status_name;
CREATE INDEX actions_status_name ON actions (status, name, id, ends_on);
