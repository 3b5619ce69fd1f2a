-- Attendance at an action's sessions, one mark per participant and session.
-- Kept in step with ../sqlite/0007_attendance.sql (checked by a test).

CREATE TABLE attendances (
    session_id UUID NOT NULL REFERENCES action_sessions (id),
    referral_id UUID NOT NULL REFERENCES referrals (id),
    -- present, absent, excused
    status TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (session_id, referral_id)
);
CREATE INDEX attendances_referral ON attendances (referral_id, session_id);
