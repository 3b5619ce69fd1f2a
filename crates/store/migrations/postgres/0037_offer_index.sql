-- The steering page's offer counts a period's positionings by what became
-- of them (parcours_store::steering::OFFER_GROUPS): an index that holds
-- every column it reads, so that the count reads the period's entries of
-- the index, not the positionings' rows (issue 20, item 5; measured in
-- docs/PERFORMANCE.md).
-- Kept in step with ../sqlite/0037_offer_index.sql (checked by a test).

CREATE INDEX referrals_offer ON referrals
    (positioned_on, status, refusal_reason, entered_on, exit_situation, situation_4_weeks, person_id);
