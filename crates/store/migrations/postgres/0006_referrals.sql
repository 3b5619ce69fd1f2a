-- Positioning on actions (référent's prescription or a person's own
-- request), its answer by the structure, the waiting list and the exit.
-- Kept in step with ../sqlite/0006_referrals.sql (checked by a test).

CREATE TABLE referrals (
    id UUID PRIMARY KEY NOT NULL,
    action_id UUID NOT NULL REFERENCES actions (id),
    person_id UUID NOT NULL REFERENCES persons (id),
    -- prescription, self_referral
    origin TEXT NOT NULL,
    -- pending_validation, sent, waiting, offered, entered, refused, declined, expired, cancelled, exited
    status TEXT NOT NULL,
    -- The contract objective a prescription serves, when there is one (no
    -- foreign key: a draft contract's objectives are rewritten on each save).
    objective_id UUID,
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL,
    -- JSON of the domain's eligibility Assessment at the time of the request.
    eligibility TEXT NOT NULL,
    override_reason TEXT,
    uses_margin BOOLEAN NOT NULL,
    -- The waiting list's rank: the cadre's priority, then the request's date.
    priority BIGINT NOT NULL DEFAULT 0,
    offer_until TIMESTAMPTZ,
    answered_at TIMESTAMPTZ,
    refusal_reason TEXT,
    refusal_comment TEXT,
    entered_on DATE,
    exited_on DATE,
    exit_reason TEXT,
    exit_situation TEXT,
    situation_4_weeks TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX referrals_action_status ON referrals (action_id, status, priority, requested_at);
CREATE INDEX referrals_person ON referrals (person_id, requested_at);
-- One live positioning per person and action: entering twice is refused.
CREATE UNIQUE INDEX referrals_one_live ON referrals (action_id, person_id)
    WHERE status IN ('pending_validation', 'sent', 'waiting', 'offered', 'entered');
