-- What a person declared of their situation when applying for the RSA
-- (issue 25): the flux instruction's socio-professional data, one row per
-- person, the latest file's. Codes as the CAF writes them (lists joined by
-- commas, flags "1" or "0"), without a constraint: the schema of the flux
-- instruction is not published and the CAF adds codes.
-- Kept in step with ../sqlite/0024_declared_situations.sql (checked by a test).

CREATE TABLE declared_situations (
    person_id UUID PRIMARY KEY NOT NULL REFERENCES persons (id),
    declared_on DATE NOT NULL,
    situation TEXT,
    education_level TEXT,
    work_history TEXT,
    job_seeker TEXT,
    driving_licence TEXT,
    transport TEXT,
    mobility TEXT NOT NULL DEFAULT '',
    social TEXT NOT NULL DEFAULT '',
    housing TEXT NOT NULL DEFAULT '',
    availability TEXT NOT NULL DEFAULT ''
);
