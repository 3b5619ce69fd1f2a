-- Sign-in through the département's identity provider and ProConnect
-- (issue 26). An account may be reached by a provider's identity
-- (provider, subject), remembered at its first sign-in; its password may be
-- switched off (`password_login`). A partner's staff member unknown here but
-- vouched for by ProConnect with the SIRET of a structure of the catalogue
-- asks to join it: the request waits for the chargé de mission.
-- Kept in step with ../postgres/0036_oidc.sql (checked by a test).

ALTER TABLE users ADD COLUMN password_login BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE user_identities (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id),
    email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);

CREATE TABLE join_requests (
    id BLOB PRIMARY KEY NOT NULL,
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    email TEXT NOT NULL,
    given_name TEXT NOT NULL,
    usual_name TEXT NOT NULL,
    siret TEXT NOT NULL,
    structure_id BLOB NOT NULL REFERENCES structures (id),
    state TEXT NOT NULL,
    decided_by BLOB REFERENCES users (id),
    decided_at TEXT,
    user_id BLOB REFERENCES users (id),
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX join_requests_pending ON join_requests (provider, subject) WHERE state = 'en_attente';
CREATE INDEX join_requests_state ON join_requests (state, created_at);
CREATE TRIGGER join_requests_state_code_insert BEFORE INSERT ON join_requests
    WHEN NEW.state NOT IN ('en_attente', 'acceptee', 'refusee')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: join_requests_state_code'); END;
CREATE TRIGGER join_requests_state_code_update BEFORE UPDATE OF state ON join_requests
    WHEN NEW.state NOT IN ('en_attente', 'acceptee', 'refusee')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: join_requests_state_code'); END;
