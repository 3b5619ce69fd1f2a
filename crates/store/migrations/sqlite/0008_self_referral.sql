-- A self-referral (a person who came directly to a structure) waits for
-- the validation of the référent's cadre, or of the chargé de mission when
-- the person has no référent; a rejection says why.
-- Kept in step with ../postgres/0008_self_referral.sql (checked by a test).

ALTER TABLE referrals ADD COLUMN validated_by TEXT;
ALTER TABLE referrals ADD COLUMN cancel_reason TEXT;
-- The validation queues: pending self-referrals, oldest first.
CREATE INDEX referrals_status_requested ON referrals (status, requested_at);
