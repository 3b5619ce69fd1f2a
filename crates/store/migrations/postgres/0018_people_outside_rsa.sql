-- A person outside the RSA (another minimum income, a single parent, any
-- precarity, admitted at the margin of an action) has a file without a
-- dossier RSA: no household. Kept in step with
-- ../sqlite/0018_people_outside_rsa.sql (checked by a test).

ALTER TABLE persons ALTER COLUMN household_id DROP NOT NULL;
