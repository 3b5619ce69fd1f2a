-- FSE+ participant data collected at entry on an action co-financed by the
-- European Social Fund Plus (Regulation (EU) 2021/1057, Annex I), one record
-- per positioning. Disability and minority or foreign background are
-- special-category data (GDPR art. 9): every read of a record is audited.
-- Kept in step with ../sqlite/0010_fse_entry.sql (checked by a test).

CREATE TABLE fse_entries (
    referral_id UUID PRIMARY KEY NOT NULL REFERENCES referrals (id),
    -- Copied from the person file when the data are recorded or corrected.
    sex TEXT NOT NULL,
    birth_date DATE NOT NULL,
    -- unemployed, long_term_unemployed, inactive, employed
    employment_status TEXT NOT NULL,
    -- isced_0_2, isced_3_4, isced_5_8
    education_level TEXT NOT NULL,
    -- french, other_eu, third_country
    nationality TEXT NOT NULL,
    -- yes, no, declined (special category)
    disability TEXT NOT NULL,
    -- yes, no, declined (special category)
    minority_background TEXT NOT NULL,
    -- yes, no, declined
    homeless TEXT NOT NULL,
    rural BOOLEAN NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
