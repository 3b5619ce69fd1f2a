-- The dates a pathway's story is told by (issue 17, rule 2): the day a
-- diagnostic revision and a positioning happened (back-dated to catch up
-- paper files), and the day the situation 4 weeks after an exit was
-- observed, beside the instant it was typed.
-- Kept in step with ../sqlite/0017_pathway_dates.sql (checked by a test).
-- Existing rows take the date in Paris of the instant they were recorded.

ALTER TABLE diagnostics ADD COLUMN revised_on DATE;
UPDATE diagnostics SET revised_on = (created_at AT TIME ZONE 'Europe/Paris')::date;
ALTER TABLE diagnostics ALTER COLUMN revised_on SET NOT NULL;

-- An entry recorded before its positioning was positioned on paper by then.
ALTER TABLE referrals ADD COLUMN positioned_on DATE;
UPDATE referrals SET positioned_on = LEAST((requested_at AT TIME ZONE 'Europe/Paris')::date, entered_on);
ALTER TABLE referrals ALTER COLUMN positioned_on SET NOT NULL;

-- A situation already recorded was observed when it was typed, within the
-- 4 weeks after the exit.
ALTER TABLE referrals ADD COLUMN situation_4_weeks_on DATE;
ALTER TABLE referrals ADD COLUMN situation_4_weeks_recorded_at TIMESTAMPTZ;
UPDATE referrals SET situation_4_weeks_recorded_at = updated_at,
       situation_4_weeks_on = LEAST(GREATEST((updated_at AT TIME ZONE 'Europe/Paris')::date, exited_on), exited_on + 28)
 WHERE situation_4_weeks IS NOT NULL AND exited_on IS NOT NULL;
