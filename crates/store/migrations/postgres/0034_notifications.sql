-- Notifications for staff (issue 23): what happened to a person they
-- follow, unread until they open their list; `dedup_key` keeps a daily
-- job from telling the same thing twice (a clock's due date). The kinds
-- each user receives in their daily e-mail digest, one row per kind.
-- Kept in step with ../sqlite/0034_notifications.sql (checked by a test).

CREATE TABLE notifications (
    id UUID PRIMARY KEY NOT NULL,
    user_id UUID NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CONSTRAINT notifications_kind_code
        CHECK (kind IN ('auto_positionnement', 'place_proposee', 'entree', 'refus', 'sortie', 'absences', 'contrat_a_valider', 'echeance_proche')),
    person_id UUID REFERENCES persons (id),
    text TEXT NOT NULL,
    dedup_key TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    read_at TIMESTAMPTZ,
    emailed_at TIMESTAMPTZ
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);
CREATE INDEX notifications_person ON notifications (person_id);
CREATE UNIQUE INDEX notifications_once ON notifications (user_id, dedup_key);

CREATE TABLE notification_email_choices (
    user_id UUID NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CONSTRAINT notification_email_choices_kind_code
        CHECK (kind IN ('auto_positionnement', 'place_proposee', 'entree', 'refus', 'sortie', 'absences', 'contrat_a_valider', 'echeance_proche')),
    PRIMARY KEY (user_id, kind)
);
