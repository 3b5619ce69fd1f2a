-- FSE+ reporting per operation (issue 21). Kept in step with
-- ../postgres/0028_fse_operations.sql (checked by a test).

-- An operation co-financed by the FSE+: the number the managing authority
-- gave, which the funding lines of its actions carry.
CREATE TABLE fse_operations (
    id BLOB PRIMARY KEY NOT NULL,
    number TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    -- The organisation carrying the operation (bénéficiaire).
    beneficiary TEXT,
    version INTEGER NOT NULL DEFAULT 1
);

-- Every number already on a funding line becomes an operation over the
-- years of its lines, titled by its number until the chargé de mission
-- names it.
INSERT INTO fse_operations (id, number, title, starts_on, ends_on)
SELECT randomblob(16), fse_operation, 'Opération ' || fse_operation,
       printf('%04d-01-01', MIN(year)), printf('%04d-12-31', MAX(year))
FROM action_fundings WHERE fse_plus AND fse_operation IS NOT NULL
GROUP BY fse_operation;

CREATE INDEX action_fundings_operation ON action_fundings (fse_operation);

-- Gender as the participant states it (F, M, X for non-binary): every
-- indicator is broken down by it.
ALTER TABLE fse_entries RENAME COLUMN sex TO gender;

-- Foreign background (EECO14) and minority (EECO15) are two indicators:
-- the former single question is split. A « no » or a declined answer to
-- the former holds for both; a « yes » says neither which, so both are
-- asked again (NULL: to ask).
ALTER TABLE fse_entries ADD COLUMN foreign_background TEXT;
ALTER TABLE fse_entries ADD COLUMN minority TEXT;
UPDATE fse_entries SET foreign_background = minority_background, minority = minority_background
WHERE minority_background IN ('no', 'declined');
ALTER TABLE fse_entries DROP COLUMN minority_background;
