-- The other activities written in a contrat d'engagement (issue 23, the 15
-- hours): their hours a week, counted as planned in the person's weeks.
-- Kept in step with ../postgres/0035_contract_other_hours.sql (checked by a test).

ALTER TABLE contracts ADD COLUMN other_weekly_hours INTEGER;
