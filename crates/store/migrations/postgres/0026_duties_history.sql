-- Droits et devoirs as they stood at a past day (issue 20, item 2): each
-- revision of a person keeps its droits et devoirs apart from its JSON, so
-- that "in droits et devoirs at 31 December" reads the revision recorded
-- by that day (parcours_store::steering). Existing revisions are filled
-- from their JSON.
-- Kept in step with ../sqlite/0026_duties_history.sql (checked by a test).

ALTER TABLE person_revisions ADD COLUMN subject_to_duties BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE person_revisions ADD COLUMN duties_since DATE;
UPDATE person_revisions
SET subject_to_duties = COALESCE((data::jsonb ->> 'subject_to_duties')::boolean, FALSE),
    duties_since = (data::jsonb ->> 'duties_since')::date;
