-- The dates a pathway's story is told by (issue 17, rule 2): the day a
-- diagnostic revision and a positioning happened (back-dated to catch up
-- paper files), and the day the situation 4 weeks after an exit was
-- observed, beside the instant it was typed.
-- Kept in step with ../postgres/0017_pathway_dates.sql (checked by a test).
--
-- Existing rows take the date in Paris of the instant they were recorded.
-- SQLite knows no time zones: Paris is UTC+2 from the last Sunday of March
-- at 01:00 UTC to the last Sunday of October at 01:00 UTC, UTC+1 otherwise.
-- SQLite adds a NOT NULL column only with a default: '' is refused on
-- insert by triggers, as PostgreSQL refuses a missing value.

ALTER TABLE diagnostics ADD COLUMN revised_on TEXT NOT NULL DEFAULT '';
UPDATE diagnostics SET revised_on = date(datetime(created_at),
    CASE WHEN datetime(created_at) >= date(strftime('%Y', created_at) || '-03-31', '-6 days', 'weekday 0') || ' 01:00:00'
          AND datetime(created_at) < date(strftime('%Y', created_at) || '-10-31', '-6 days', 'weekday 0') || ' 01:00:00'
         THEN '+2 hours' ELSE '+1 hours' END);
CREATE TRIGGER diagnostics_revised_on_required BEFORE INSERT ON diagnostics
    WHEN NEW.revised_on IS NULL OR NEW.revised_on = ''
    BEGIN SELECT RAISE(ABORT, 'NOT NULL constraint failed: diagnostics.revised_on'); END;

-- An entry recorded before its positioning was positioned on paper by then.
ALTER TABLE referrals ADD COLUMN positioned_on TEXT NOT NULL DEFAULT '';
UPDATE referrals SET positioned_on = date(datetime(requested_at),
    CASE WHEN datetime(requested_at) >= date(strftime('%Y', requested_at) || '-03-31', '-6 days', 'weekday 0') || ' 01:00:00'
          AND datetime(requested_at) < date(strftime('%Y', requested_at) || '-10-31', '-6 days', 'weekday 0') || ' 01:00:00'
         THEN '+2 hours' ELSE '+1 hours' END);
UPDATE referrals SET positioned_on = entered_on WHERE entered_on IS NOT NULL AND entered_on < positioned_on;
CREATE TRIGGER referrals_positioned_on_required BEFORE INSERT ON referrals
    WHEN NEW.positioned_on IS NULL OR NEW.positioned_on = ''
    BEGIN SELECT RAISE(ABORT, 'NOT NULL constraint failed: referrals.positioned_on'); END;

-- A situation already recorded was observed when it was typed, within the
-- 4 weeks after the exit.
ALTER TABLE referrals ADD COLUMN situation_4_weeks_on TEXT;
ALTER TABLE referrals ADD COLUMN situation_4_weeks_recorded_at TEXT;
UPDATE referrals SET situation_4_weeks_recorded_at = updated_at,
       situation_4_weeks_on = date(datetime(updated_at),
    CASE WHEN datetime(updated_at) >= date(strftime('%Y', updated_at) || '-03-31', '-6 days', 'weekday 0') || ' 01:00:00'
          AND datetime(updated_at) < date(strftime('%Y', updated_at) || '-10-31', '-6 days', 'weekday 0') || ' 01:00:00'
         THEN '+2 hours' ELSE '+1 hours' END)
 WHERE situation_4_weeks IS NOT NULL AND exited_on IS NOT NULL;
UPDATE referrals SET situation_4_weeks_on = max(exited_on, min(situation_4_weeks_on, date(exited_on, '+28 days')))
 WHERE situation_4_weeks_on IS NOT NULL;
