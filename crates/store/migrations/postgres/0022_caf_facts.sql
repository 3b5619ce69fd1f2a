-- What the CAF's files say of a case beyond its state (issue 25): the RSA
-- request date (DTDEMRSA, where the delays start), the family situation
-- (SITFAM, DDSITFAM), homelessness (TOPSANSDOMFIXE) and the reason of the
-- state (refusal, suspension, closure). Codes are kept as the CAF writes
-- them, without a constraint: the schema lists none and the CAF adds some.
-- Kept in step with ../sqlite/0022_caf_facts.sql (checked by a test).

ALTER TABLE households ADD COLUMN rsa_requested_on DATE;
ALTER TABLE households ADD COLUMN family_situation TEXT;
ALTER TABLE households ADD COLUMN family_situation_on DATE;
ALTER TABLE households ADD COLUMN homeless BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE households ADD COLUMN rsa_state_reason TEXT;
