-- Messages to a person about an appointment (issue 23): its convocation,
-- its reminder and, when the service calls it off, its cancellation, by
-- e-mail or SMS. One message per appointment, channel
-- and purpose (never queued twice); taken by one sender at a time
-- (state 'en_cours'), retried after `due_at` when refused, its delivery
-- state kept for the person's page and the référent's list of things to do.
-- Kept in step with ../sqlite/0033_outbox.sql (checked by a test).

CREATE TABLE outbox (
    id UUID PRIMARY KEY NOT NULL,
    meeting_id UUID NOT NULL REFERENCES meetings (id),
    person_id UUID NOT NULL REFERENCES persons (id),
    channel TEXT NOT NULL CONSTRAINT outbox_channel_code CHECK (channel IN ('email', 'sms')),
    purpose TEXT NOT NULL CONSTRAINT outbox_purpose_code CHECK (purpose IN ('convocation', 'rappel', 'annulation')),
    state TEXT NOT NULL CONSTRAINT outbox_state_code
        CHECK (state IN ('a_envoyer', 'en_cours', 'envoye', 'remis', 'echec', 'rejete', 'inconnu', 'annule')),
    due_at TIMESTAMPTZ NOT NULL,
    attempts BIGINT NOT NULL,
    recipient TEXT,
    provider_id TEXT,
    last_error TEXT,
    sent_at TIMESTAMPTZ,
    state_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX outbox_once ON outbox (meeting_id, channel, purpose);
CREATE INDEX outbox_due ON outbox (state, due_at);
CREATE INDEX outbox_person ON outbox (person_id);
