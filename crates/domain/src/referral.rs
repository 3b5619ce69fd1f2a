//! Positioning a person on an action: its states and the structure's
//! reasons to refuse, in the words people read.

use crate::person::codes;

codes!(
    /// Where a positioning stands.
    ReferralStatus {
        PendingValidation = "pending_validation", "En attente de validation";
        Sent = "sent", "Envoyé à la structure";
        Waiting = "waiting", "En liste d'attente";
        Offered = "offered", "Place proposée";
        Entered = "entered", "Entré sur l'action";
        Refused = "refused", "Refusé par la structure";
        Declined = "declined", "Place déclinée";
        Expired = "expired", "Proposition expirée";
        Cancelled = "cancelled", "Annulé";
        Exited = "exited", "Sorti de l'action";
    }
);

codes!(
    /// Why a structure turns a positioning down.
    RefusalReason {
        NotTargetPublic = "not_target_public", "Ne correspond pas au public de l'action";
        NoPlaceThisPeriod = "no_place_this_period", "Pas de place sur la période";
        Unreachable = "unreachable", "Personne injoignable";
        PersonDeclined = "person_declined", "La personne ne souhaite pas participer";
        NotSuitedNow = "not_suited_now", "Action inadaptée à la situation actuelle";
        Other = "other", "Autre motif (préciser)";
    }
);

codes!(
    /// Why a participant leaves an action.
    ExitReason {
        Completed = "completed", "Fin de l'action";
        Employment = "employment", "Reprise d'emploi";
        Training = "training", "Entrée en formation";
        OtherAction = "other_action", "Orientation vers une autre action";
        Health = "health", "Raisons de santé";
        Moved = "moved", "Déménagement";
        DroppedOut = "dropped_out", "Abandon";
        Other = "other", "Autre motif";
    }
);

codes!(
    /// The situation at exit and within 4 weeks (FSE+ result indicators among them).
    Situation {
        Employment = "employment", "En emploi";
        Training = "training", "En formation ou en études";
        Qualification = "qualification", "A obtenu une qualification";
        JobSearching = "job_searching", "En recherche d'emploi";
        OtherAction = "other_action", "Sur une autre action d'insertion";
        DroppedOut = "dropped_out", "Sans activité (décrochage)";
        Moved = "moved", "A déménagé";
        Health = "health", "Soins ou raisons de santé";
        Unknown = "unknown", "Inconnue";
    }
);

codes!(
    /// A participant's mark at a session.
    Attendance {
        Present = "present", "Présent";
        Absent = "absent", "Absent";
        Excused = "excused", "Excusé";
    }
);

/// Unexcused absences in a row after which the référent is alerted.
pub const ABSENCES_ALERT: usize = 3;

/// Unexcused absences at the end of a participant's history (oldest first):
/// an excused absence neither counts nor breaks the run; a presence does.
pub fn absences_in_a_row(history: &[Attendance]) -> usize {
    history
        .iter()
        .rev()
        .filter(|a| **a != Attendance::Excused)
        .take_while(|a| **a == Attendance::Absent)
        .count()
}

/// How long a person has to answer a place offered from the waiting list.
pub const OFFER_DAYS: i64 = 5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for status in ReferralStatus::ALL {
            assert_eq!(ReferralStatus::from_code(status.code()), Some(*status));
        }
        for reason in RefusalReason::ALL {
            assert_eq!(RefusalReason::from_code(reason.code()), Some(*reason));
        }
        for reason in ExitReason::ALL {
            assert_eq!(ExitReason::from_code(reason.code()), Some(*reason));
        }
        for situation in Situation::ALL {
            assert_eq!(Situation::from_code(situation.code()), Some(*situation));
        }
    }

    #[test]
    fn absences_count_from_the_last_presence() {
        use Attendance::*;
        assert_eq!(absences_in_a_row(&[]), 0);
        assert_eq!(
            absences_in_a_row(&[Absent, Present, Absent, Excused, Absent]),
            2
        );
        assert_eq!(absences_in_a_row(&[Absent, Absent, Absent]), 3);
        assert_eq!(absences_in_a_row(&[Absent, Absent, Present]), 0);
    }
}
