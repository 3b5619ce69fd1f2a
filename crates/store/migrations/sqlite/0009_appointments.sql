-- Appointments of individual actions: a session for one participant, fixed
-- by the structure (never generated from the schedule, so regenerating the
-- sessions leaves them alone). A group session has no referral.
-- Kept in step with ../postgres/0009_appointments.sql (checked by a test).

ALTER TABLE action_sessions ADD COLUMN referral_id BLOB REFERENCES referrals (id);
-- A participant's appointments, in date order.
CREATE INDEX action_sessions_referral ON action_sessions (referral_id, on_date);
