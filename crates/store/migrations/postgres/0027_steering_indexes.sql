-- Steering and the OARSA return read, for every person of a département,
-- their orientation in force, first orientation and contract, référent and
-- droits et devoirs at a day (parcours_store::steering): indexes that hold
-- every column those lookups read, so that each one is answered from the
-- index alone (issue 20, item 5; measured in docs/PERFORMANCE.md).
-- Kept in step with ../sqlite/0027_steering_indexes.sql (checked by a test).

CREATE INDEX orientations_person_validated
    ON orientations (person_id, status, decided_on, created_at, notified_on, kind, lead_organisation_id);
CREATE INDEX contracts_person_dates ON contracts (person_id, signed_on, starts_on, ends_on, ended_on);
CREATE INDEX person_revisions_duties
    ON person_revisions (person_id, version, changed_at, subject_to_duties, duties_since);
CREATE INDEX referent_assignments_person_dates ON referent_assignments (person_id, starts_on, ends_on);
