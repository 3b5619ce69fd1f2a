-- Notifications for staff (issue 23): what happened to a person they
-- follow, unread until they open their list; `dedup_key` keeps a daily
-- job from telling the same thing twice (a clock's due date). The kinds
-- each user receives in their daily e-mail digest, one row per kind.
-- Kept in step with ../postgres/0034_notifications.sql (checked by a test).

CREATE TABLE notifications (
    id BLOB PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    person_id BLOB REFERENCES persons (id),
    text TEXT NOT NULL,
    dedup_key TEXT,
    created_at TEXT NOT NULL,
    read_at TEXT,
    emailed_at TEXT
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);
CREATE INDEX notifications_person ON notifications (person_id);
CREATE UNIQUE INDEX notifications_once ON notifications (user_id, dedup_key);

CREATE TABLE notification_email_choices (
    user_id BLOB NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
CREATE TRIGGER notifications_kind_code_insert BEFORE INSERT ON notifications
    WHEN NEW.kind NOT IN ('auto_positionnement', 'place_proposee', 'entree', 'refus', 'sortie', 'absences', 'contrat_a_valider', 'echeance_proche')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: notifications_kind_code'); END;
CREATE TRIGGER notifications_kind_code_update BEFORE UPDATE OF kind ON notifications
    WHEN NEW.kind NOT IN ('auto_positionnement', 'place_proposee', 'entree', 'refus', 'sortie', 'absences', 'contrat_a_valider', 'echeance_proche')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: notifications_kind_code'); END;
CREATE TRIGGER notification_email_choices_kind_code_insert BEFORE INSERT ON notification_email_choices
    WHEN NEW.kind NOT IN ('auto_positionnement', 'place_proposee', 'entree', 'refus', 'sortie', 'absences', 'contrat_a_valider', 'echeance_proche')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: notification_email_choices_kind_code'); END;
CREATE TRIGGER notification_email_choices_kind_code_update BEFORE UPDATE OF kind ON notification_email_choices
    WHEN NEW.kind NOT IN ('auto_positionnement', 'place_proposee', 'entree', 'refus', 'sortie', 'absences', 'contrat_a_valider', 'echeance_proche')
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: notification_email_choices_kind_code'); END;
