-- Messages to a person about an appointment (issue 23): its convocation,
-- its reminder and, when the service calls it off, its cancellation, by
-- e-mail or SMS. One message per appointment, channel
-- and purpose (never queued twice); taken by one sender at a time
-- (state 'en_cours'), retried after `due_at` when refused, its delivery
-- state kept for the person's page and the référent's list of things to do.
-- Kept in step with ../postgres/0033_outbox.sql (checked by a test).

CREATE TABLE outbox (
    id BLOB PRIMARY KEY NOT NULL,
    meeting_id BLOB NOT NULL REFERENCES meetings (id),
    person_id BLOB NOT NULL REFERENCES persons (id),
    channel TEXT NOT NULL,
    purpose TEXT NOT NULL,
    state TEXT NOT NULL,
    due_at TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    recipient TEXT,
    provider_id TEXT,
    last_error TEXT,
    sent_at TEXT,
    state_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX outbox_once ON outbox (meeting_id, channel, purpose);
CREATE INDEX outbox_due ON outbox (state, due_at);
CREATE INDEX outbox_person ON outbox (person_id);
CREATE TRIGGER outbox_channel_code_insert BEFORE INSERT ON outbox
    WHEN NEW.channel NOT IN ('email', 'sms')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: outbox_channel_code'); END;
CREATE TRIGGER outbox_channel_code_update BEFORE UPDATE OF channel ON outbox
    WHEN NEW.channel NOT IN ('email', 'sms')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: outbox_channel_code'); END;
CREATE TRIGGER outbox_purpose_code_insert BEFORE INSERT ON outbox
    WHEN NEW.purpose NOT IN ('convocation', 'rappel', 'annulation')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: outbox_purpose_code'); END;
CREATE TRIGGER outbox_purpose_code_update BEFORE UPDATE OF purpose ON outbox
    WHEN NEW.purpose NOT IN ('convocation', 'rappel', 'annulation')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: outbox_purpose_code'); END;
CREATE TRIGGER outbox_state_code_insert BEFORE INSERT ON outbox
    WHEN NEW.state NOT IN ('a_envoyer', 'en_cours', 'envoye', 'remis', 'echec', 'rejete', 'inconnu', 'annule')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: outbox_state_code'); END;
CREATE TRIGGER outbox_state_code_update BEFORE UPDATE OF state ON outbox
    WHEN NEW.state NOT IN ('a_envoyer', 'en_cours', 'envoye', 'remis', 'echec', 'rejete', 'inconnu', 'annule')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: outbox_state_code'); END;
