//! Notifications for staff: what happened to the people they follow, in
//! the product (with an unread count) and, for the kinds each one
//! chooses, in a daily e-mail digest. They go to the person's référent
//! unique, and a contract awaiting validation to the cadres of the
//! référent's organisation.

use crate::person::codes;
use crate::validation::Invalid;

codes!(
    /// What happened.
    NotificationKind {
        SelfReferral = "auto_positionnement", "Personne venue d'elle-même à une structure";
        PlaceOffered = "place_proposee", "Place proposée";
        Entry = "entree", "Entrée en action";
        Refusal = "refus", "Positionnement refusé";
        Exit = "sortie", "Sortie d'action";
        RepeatedAbsences = "absences", "Absences répétées";
        ContractToValidate = "contrat_a_valider", "Contrat à valider";
        ClockDueSoon = "echeance_proche", "Échéance proche";
    }
);

/// How many notifications a list shows (the newest).
pub const LIST_MAX: i64 = 200;

/// The kinds ticked for the e-mail digest, from a form or the API.
pub fn parse_email_choices(raw: &[String]) -> Result<Vec<NotificationKind>, Invalid> {
    let mut kinds = Vec::new();
    for code in raw.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        match NotificationKind::from_code(code) {
            Some(kind) if !kinds.contains(&kind) => kinds.push(kind),
            Some(_) => {}
            None => {
                return Err(Invalid::field(
                    "by_email",
                    "Choisissez les notifications à recevoir par courriel dans la liste.",
                ))
            }
        }
    }
    Ok(kinds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_choices_are_read_once_each_and_unknown_ones_refused() {
        let raw = vec![
            "entree".to_owned(),
            " refus ".into(),
            "entree".into(),
            String::new(),
        ];
        assert_eq!(
            parse_email_choices(&raw).unwrap(),
            [NotificationKind::Entry, NotificationKind::Refusal]
        );
        let err = parse_email_choices(&["pigeon".to_owned()]).unwrap_err();
        assert!(err.message_for("by_email").is_some());
    }
}
