-- What the DREES yearly return (OARSA, issue 20) needs of organisations:
-- the DREES category of each one acting as référent (NULL: the one its
-- kind gives, parcours_domain::oarsa::OrganisationCategory::of_kind). The
-- mapping of contract objectives to the return's 15 action categories is a
-- setting (settings.key = 'oarsa_objective_mapping').
-- Kept in step with ../sqlite/0025_oarsa.sql (checked by a test).

ALTER TABLE organisations ADD COLUMN oarsa_category TEXT;
ALTER TABLE organisations ADD CONSTRAINT organisations_oarsa_category_code CHECK (oarsa_category IN ('france_travail', 'mission_locale', 'mde_plie_cap_emploi', 'business_creation', 'iae', 'other_placement', 'department_social_service', 'caf', 'msa', 'ccas_cias', 'other'));
