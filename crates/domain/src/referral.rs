//! Positioning a person on an action: its states and the structure's
//! reasons to refuse, in the words people read.

use crate::access::{Role, Viewer};
use crate::deadline::OrientationKind;
use crate::eligibility::PersonFacts;
use crate::person::{
    age_on, codes, is_commune_code, parse_date, HouseholdData, HouseholdInput, HouseholdRole,
    PersonData, PersonInput, RsaSituation, RsaState,
};
use crate::validation::Invalid;
use serde::Deserialize;
use time::Date;
use uuid::Uuid;

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

/// Who validates a person's own request to a structure: the cadre of
/// their référent's organisation, or the chargé de mission when the person
/// has no référent (nobody follows them yet).
pub fn may_validate_self_referral(viewer: &Viewer, referent_organisation: Option<Uuid>) -> bool {
    match (viewer.role, referent_organisation) {
        (Role::Manager, Some(organisation)) => organisation == viewer.organisation_id,
        (Role::ProgrammeOfficer, None) => true,
        _ => false,
    }
}

/// A request from a person who came directly to a structure, as the
/// structure records it (the same fields in the form and the API).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SelfReferralInput {
    #[serde(default)]
    pub action_id: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub first_names: String,
    /// AAAA-MM-JJ
    #[serde(default)]
    pub birth_date: String,
    /// F or M
    #[serde(default)]
    pub sex: String,
    #[serde(default)]
    pub nir: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    /// INSEE code of the commune of residence.
    #[serde(default)]
    pub commune_code: String,
    /// Only when no file matches the identity: rsa (the default),
    /// other_minimum_income or other_precarity; outside the RSA no dossier
    /// RSA is asked for.
    #[serde(default)]
    pub situation: String,
    /// Only when no file matches the identity, for an RSA beneficiary: the RSA dossier number.
    #[serde(default)]
    pub rsa_number: String,
    /// Only when no file matches: caf or msa.
    #[serde(default)]
    pub fund: String,
    /// Only when no file matches: the RSA state the person declares (code 0 to 6).
    #[serde(default)]
    pub rsa_state: String,
    /// Required when the person is found not eligible.
    #[serde(default)]
    pub override_reason: String,
    /// What the person declares, for the eligibility only (never compared
    /// with a file): "oui", "non", or empty when not known.
    /// Receives the RSA (when empty, the declared RSA state, if any, answers).
    #[serde(default)]
    pub declared_rsa: String,
    #[serde(default)]
    pub declared_single_parent: String,
    /// Receives another minimum income (ASS, AAH, ASPA…).
    #[serde(default)]
    pub declared_other_minimum_income: String,
    /// professional, socio_professional, social, "none" (no orientation), or empty when not known.
    #[serde(default)]
    pub declared_orientation: String,
    /// Has a contract (CER or contrat d'engagement) running: "oui", "non", or empty.
    #[serde(default)]
    pub declared_contract: String,
}

codes!(
    /// A yes-or-no fact as a person declares it; no answer is "not known".
    Declared {
        Yes = "oui", "Oui";
        No = "non", "Non";
    }
);

/// "no orientation" among the declared orientations.
pub const NO_ORIENTATION: &str = "none";

impl SelfReferralInput {
    /// The eligibility facts of the person as the structure typed them:
    /// age and commune from the identity (when readable), the rest from the
    /// declared answers. Nothing comes from a file, so the answer shown to
    /// the structure tells nothing of whether the person has one.
    pub fn declared_facts(&self, today: Date) -> Result<PersonFacts, Invalid> {
        let mut invalid = Invalid::new();
        // The situation, when chosen, is a declaration too: outside the RSA
        // the person draws no RSA and is admitted for their precarity.
        let situation = match self.situation.trim() {
            "" => None,
            _ => RsaSituation::parse(&self.situation)
                .map_err(|e| invalid.merge(e))
                .ok(),
        };
        let mut yes_no = |field: &str, raw: &str| match raw.trim() {
            "" => None,
            code => match Declared::from_code(&code.to_lowercase()) {
                Some(answer) => Some(answer == Declared::Yes),
                None => {
                    invalid.add(
                        field,
                        "Répondez « oui », « non » ou laissez vide si vous ne savez pas.",
                    );
                    None
                }
            },
        };
        let declared_rsa = yes_no("declared_rsa", &self.declared_rsa);
        let other_minimum_income = yes_no(
            "declared_other_minimum_income",
            &self.declared_other_minimum_income,
        )
        .or(situation.map(|s| s == RsaSituation::OtherMinimumIncome));
        let single_parent = yes_no("declared_single_parent", &self.declared_single_parent);
        let rsa = declared_rsa
            .or(situation.map(RsaSituation::is_rsa))
            .or_else(|| {
                RsaState::from_code(self.rsa_state.trim()).map(|state| {
                    matches!(
                        state,
                        RsaState::OpenPaid
                            | RsaState::OpenSuspended
                            | RsaState::OpenPaymentSuspended
                    )
                })
            });
        let contract_running = yes_no("declared_contract", &self.declared_contract);
        if declared_rsa == Some(true) && situation.is_some_and(|s| !s.is_rsa()) {
            invalid.add(
                "declared_rsa",
                "La situation choisie est hors RSA : répondez « non » ou choisissez « Bénéficiaire du RSA ».",
            );
        }
        let orientation = match self.declared_orientation.trim() {
            "" => None,
            NO_ORIENTATION => Some(None),
            code => match OrientationKind::from_code(code) {
                Some(kind) => Some(Some(kind)),
                None => {
                    invalid.add("declared_orientation", "Choisissez l'orientation de la personne, « aucune », ou laissez vide si vous ne savez pas.");
                    None
                }
            },
        };
        let commune = self.commune_code.trim().to_uppercase();
        let facts = PersonFacts {
            age: parse_date(&self.birth_date)
                .filter(|birth| *birth <= today)
                .and_then(|birth| u8::try_from(age_on(birth, today)).ok()),
            rsa,
            single_parent,
            other_minimum_income,
            outside_rsa: situation.map(|s| !s.is_rsa()),
            orientation,
            contract_running,
            commune_code: is_commune_code(&commune).then_some(commune),
        };
        invalid.into_result(facts)
    }

    /// The identity recorded, as the requester of a household.
    pub fn identity(&self, today: Date) -> Result<PersonData, Invalid> {
        let input = PersonInput {
            household_role: HouseholdRole::Requester.code().to_owned(),
            last_name: self.last_name.clone(),
            first_names: self.first_names.clone(),
            birth_date: self.birth_date.clone(),
            sex: self.sex.clone(),
            nir: self.nir.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            commune_code: self.commune_code.clone(),
            situation: self.situation.clone(),
            ..PersonInput::default()
        };
        PersonData::parse(&input, today)
    }

    /// What the request says of the RSA (checked by [`Self::identity`]).
    pub fn situation(&self) -> RsaSituation {
        RsaSituation::parse(&self.situation).unwrap_or(RsaSituation::Beneficiary)
    }

    /// The RSA dossier of a new file, needed when no file matches the identity.
    pub fn household(&self, today: Date) -> Result<HouseholdData, Invalid> {
        let input = HouseholdInput {
            rsa_number: self.rsa_number.clone(),
            fund: self.fund.clone(),
            rsa_state: self.rsa_state.clone(),
            ..HouseholdInput::default()
        };
        HouseholdData::parse(&input, today).map_err(|mut invalid| {
            invalid.add(
                "last_name",
                "Aucun dossier ne correspond à cette identité : complétez le dossier RSA pour en créer un (ou choisissez une situation hors RSA), ou vérifiez l'orthographe et la date de naissance.",
            );
            invalid
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_referents_cadre_or_the_charge_de_mission_validates() {
        let (org, other) = (Uuid::from_u128(10), Uuid::from_u128(11));
        let viewer = |role| Viewer {
            user_id: Uuid::from_u128(1),
            role,
            organisation_id: org,
            territory_id: None,
        };
        assert!(may_validate_self_referral(
            &viewer(Role::Manager),
            Some(org)
        ));
        assert!(!may_validate_self_referral(
            &viewer(Role::Manager),
            Some(other)
        ));
        assert!(!may_validate_self_referral(&viewer(Role::Manager), None));
        assert!(may_validate_self_referral(
            &viewer(Role::ProgrammeOfficer),
            None
        ));
        assert!(!may_validate_self_referral(
            &viewer(Role::ProgrammeOfficer),
            Some(org)
        ));
        for role in [Role::Referent, Role::Operator, Role::Admin, Role::Dpo] {
            assert!(!may_validate_self_referral(&viewer(role), Some(org)));
            assert!(!may_validate_self_referral(&viewer(role), None));
        }
    }

    #[test]
    fn a_situation_outside_the_rsa_is_declared_precarity() {
        let today = time::macros::date!(2026 - 03 - 02);
        let input = SelfReferralInput {
            situation: "other_minimum_income".into(),
            ..SelfReferralInput::default()
        };
        let facts = input.declared_facts(today).unwrap();
        assert_eq!(
            (facts.rsa, facts.other_minimum_income, facts.outside_rsa),
            (Some(false), Some(true), Some(true))
        );
        let contradiction = SelfReferralInput {
            situation: "other_precarity".into(),
            declared_rsa: "oui".into(),
            ..SelfReferralInput::default()
        };
        let invalid = contradiction.declared_facts(today).unwrap_err();
        assert!(invalid.message_for("declared_rsa").is_some());
    }

    #[test]
    fn declared_facts_come_from_what_the_structure_typed() {
        let today = time::macros::date!(2026 - 03 - 02);
        let input = SelfReferralInput {
            birth_date: "1990-04-12".into(),
            commune_code: "14118".into(),
            declared_rsa: "non".into(),
            declared_single_parent: "".into(),
            declared_other_minimum_income: "OUI".into(),
            declared_orientation: NO_ORIENTATION.into(),
            ..SelfReferralInput::default()
        };
        let facts = input.declared_facts(today).unwrap();
        assert_eq!(
            facts,
            PersonFacts {
                age: Some(35),
                rsa: Some(false),
                single_parent: None,
                other_minimum_income: Some(true),
                outside_rsa: None,
                orientation: Some(None),
                contract_running: None,
                commune_code: Some("14118".into()),
            }
        );
        let by_state = SelfReferralInput {
            rsa_state: "2".into(),
            birth_date: "12 avril 1990".into(),
            ..SelfReferralInput::default()
        };
        let facts = by_state.declared_facts(today).unwrap();
        assert_eq!(
            (facts.rsa, facts.age),
            (Some(true), None),
            "the declared RSA state answers; an unreadable date is an unknown age"
        );
        let bad = SelfReferralInput {
            declared_rsa: "peut-être".into(),
            declared_orientation: "sociale".into(),
            ..SelfReferralInput::default()
        }
        .declared_facts(today)
        .unwrap_err();
        assert!(bad.message_for("declared_rsa").is_some());
        assert!(bad.message_for("declared_orientation").is_some());
    }

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
