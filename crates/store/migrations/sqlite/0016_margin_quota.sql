-- The places kept outside an action's publics (the margin quota of its
-- eligibility rules) are counted like its places: how many participants use
-- one now, kept in the transaction of each entry and exit, so that
-- concurrent admissions never exceed the quota. Starts from the people
-- already in the actions on a margin place.

ALTER TABLE actions ADD COLUMN margin_taken INTEGER NOT NULL DEFAULT 0 CHECK (margin_taken >= 0);

UPDATE actions SET margin_taken = (
    SELECT COUNT(*) FROM referrals r
    WHERE r.action_id = actions.id AND r.status = 'entered' AND r.uses_margin = TRUE
);
