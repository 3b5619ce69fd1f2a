//! The contract: CER (regime before 2025) or contrat d'engagement (from
//! 1 January 2025), its content rules and its lifecycle as a state machine.

use crate::deadline::add_months;
use crate::person::{codes, optional, required_date};
use crate::taxonomy;
use crate::validation::{
    bounded_list, free_text, optional_text, Invalid, CODES_MAX, LINE_MAX, OBJECTIVES_MAX,
};
use serde::{Deserialize, Serialize};
use time::macros::date;
use time::{Date, Duration};

/// First day of the contrat d'engagement (loi pour le plein emploi).
pub const ENGAGEMENT_REGIME_START: Date = date!(2025 - 01 - 01);
/// The longest commitments text (and planned actions of one objective).
pub const COMMITMENTS_MAX: usize = 5_000;
/// Weekly activity hours of a contrat d'engagement, unless reduced or exempted.
pub const DEFAULT_WEEKLY_HOURS: i64 = 15;

codes!(
    ContractKind {
        Cer = "cer", "Contrat d'engagement réciproque (CER)";
        Engagement = "engagement", "Contrat d'engagement";
    }
);

codes!(
    /// Why the weekly hours are reduced or exempted.
    HoursReason {
        Health = "health", "Raison de santé";
        Disability = "disability", "Situation de handicap";
        Childcare = "childcare", "Garde d'enfant";
        Other = "other", "Autre difficulté particulière (réduction seulement)";
    }
);

codes!(
    ContractStatus {
        Draft = "draft", "Brouillon";
        Signed = "signed", "Signé";
        AwaitingValidation = "awaiting_validation", "En attente de validation";
        Validated = "validated", "Validé";
        Rejected = "rejected", "Refusé";
        Running = "running", "En cours";
        Ended = "ended", "Terminé";
        Reviewed = "reviewed", "Bilan fait";
        Renewed = "renewed", "Renouvelé";
    }
);

codes!(
    ReviewResult {
        Reached = "reached", "Atteint";
        Partly = "partly", "Partiellement atteint";
        NotReached = "not_reached", "Non atteint";
    }
);

impl ContractKind {
    /// The kinds a contract form offers: the contrat d'engagement, and the
    /// CER only to keep a draft that already is one (no CER starts on or
    /// after [`ENGAGEMENT_REGIME_START`]; older ones stay readable).
    pub fn offered(current: &str) -> Vec<(&'static str, &'static str)> {
        ContractKind::choices()
            .into_iter()
            .filter(|(code, _)| *code == ContractKind::Engagement.code() || *code == current.trim())
            .collect()
    }
}

/// What can happen to a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Sign,
    Submit,
    Validate,
    Reject,
    Start,
    End,
    Review,
    Renew,
}

impl Event {
    pub const ALL: [Event; 8] = [
        Event::Sign,
        Event::Submit,
        Event::Validate,
        Event::Reject,
        Event::Start,
        Event::End,
        Event::Review,
        Event::Renew,
    ];

    /// The event's code in forms and the API.
    pub fn code(self) -> &'static str {
        match self {
            Event::Sign => "signer",
            Event::Submit => "soumettre",
            Event::Validate => "valider",
            Event::Reject => "refuser",
            Event::Start => "demarrer",
            Event::End => "terminer",
            Event::Review => "bilan",
            Event::Renew => "renouveler",
        }
    }

    pub fn from_code(code: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Event::Sign => "signer",
            Event::Submit => "soumettre à validation",
            Event::Validate => "valider",
            Event::Reject => "refuser",
            Event::Start => "démarrer",
            Event::End => "terminer",
            Event::Review => "faire le bilan",
            Event::Renew => "renouveler",
        }
    }
}

impl ContractStatus {
    /// The lifecycle: the only legal moves. Everything else is refused.
    pub fn after(self, event: Event) -> Result<ContractStatus, String> {
        use ContractStatus::*;
        let next = match (self, event) {
            (Draft, Event::Sign) => Signed,
            (Signed, Event::Submit) => AwaitingValidation,
            (AwaitingValidation, Event::Validate) => Validated,
            (AwaitingValidation, Event::Reject) => Rejected,
            (Validated, Event::Start) => Running,
            (Running, Event::End) => Ended,
            (Ended, Event::Review) => Reviewed,
            (Reviewed, Event::Renew) => Renewed,
            (status, event) => {
                return Err(format!(
                    "Impossible de {} un contrat à l'état « {} ».",
                    event.label(),
                    status.label()
                ))
            }
        };
        Ok(next)
    }

    /// Only a draft's content may change.
    pub fn is_editable(self) -> bool {
        self == ContractStatus::Draft
    }

    /// The events the interface may offer in this state.
    pub fn next_events(self) -> Vec<Event> {
        Event::ALL
            .into_iter()
            .filter(|e| self.after(*e).is_ok())
            .collect()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectiveInput {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub title: String,
    /// Barriers of the diagnostic this objective works on.
    #[serde(default)]
    pub barriers: Vec<String>,
    /// Planned actions, one per line.
    #[serde(default)]
    pub actions: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContractInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub duration_months: String,
    /// Contrat d'engagement only; empty means 15.
    #[serde(default)]
    pub weekly_hours: String,
    #[serde(default)]
    pub hours_reason: String,
    #[serde(default)]
    pub hours_note: String,
    /// Contrat d'engagement only: the weekly hours of the other activities
    /// written in the contract (volunteering, steps taken alone…), 0 to 35.
    #[serde(default)]
    pub other_weekly_hours: String,
    #[serde(default)]
    pub objectives: Vec<ObjectiveInput>,
    #[serde(default)]
    pub person_commitments: String,
    #[serde(default)]
    pub organisation_commitments: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objective {
    pub category: String,
    pub title: String,
    pub barriers: Vec<String>,
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractData {
    pub kind: ContractKind,
    pub starts_on: Date,
    pub duration_months: i64,
    pub ends_on: Date,
    pub weekly_hours: Option<i64>,
    pub hours_reason: Option<HoursReason>,
    pub hours_note: Option<String>,
    /// The other activities written in a contrat d'engagement, hours a week.
    pub other_weekly_hours: Option<i64>,
    pub objectives: Vec<Objective>,
    pub person_commitments: String,
    pub organisation_commitments: String,
}

/// Last day of a contract of `months` starting on `start`.
pub fn end_date(start: Date, months: i64) -> Date {
    add_months(start, months) - Duration::days(1)
}

impl ContractData {
    pub fn parse(input: &ContractInput) -> Result<ContractData, Invalid> {
        let mut invalid = Invalid::new();
        let kind = ContractKind::from_code(input.kind.trim());
        if kind.is_none() {
            invalid.add("kind", "Choisissez le type de contrat.");
        }
        let starts_on = required_date(&mut invalid, "starts_on", "Date de début", &input.starts_on);
        match (kind, starts_on) {
            (Some(ContractKind::Engagement), Some(start)) if start < ENGAGEMENT_REGIME_START => {
                invalid.add("kind", "Le contrat d'engagement existe depuis le 1er janvier 2025 : pour une date antérieure, c'est un CER.");
            }
            (Some(ContractKind::Cer), Some(start)) if start >= ENGAGEMENT_REGIME_START => {
                invalid.add(
                    "kind",
                    "Depuis le 1er janvier 2025, on signe un contrat d'engagement, plus un CER.",
                );
            }
            _ => {}
        }
        let duration: Option<i64> = input.duration_months.trim().parse().ok();
        if !duration.is_some_and(|d| (3..=12).contains(&d)) {
            invalid.add("duration_months", "La durée du contrat va de 3 à 12 mois.");
        }
        let (weekly_hours, hours_reason) = match kind {
            Some(ContractKind::Engagement) => parse_hours(&mut invalid, input),
            _ => (None, None),
        };
        let other_weekly_hours = match kind {
            Some(ContractKind::Engagement) => {
                parse_other_hours(&mut invalid, &input.other_weekly_hours)
            }
            _ => None,
        };
        let objectives = parse_objectives(&mut invalid, &input.objectives);
        let person_commitments = free_text(
            &mut invalid,
            "person_commitments",
            "Engagements de la personne",
            &input.person_commitments,
            COMMITMENTS_MAX,
        );
        let organisation_commitments = free_text(
            &mut invalid,
            "organisation_commitments",
            "Engagements du Département et de l'organisme référent",
            &input.organisation_commitments,
            COMMITMENTS_MAX,
        );
        let hours_note = optional_text(
            &mut invalid,
            "hours_note",
            "Précision sur la durée hebdomadaire",
            &input.hours_note,
            LINE_MAX,
        );
        let (Some(starts_on), Some(duration), Some(kind)) = (starts_on, duration, kind) else {
            return Err(invalid);
        };
        invalid.into_result(())?;
        let duration_months = duration;
        Ok(ContractData {
            kind,
            starts_on,
            duration_months,
            ends_on: end_date(starts_on, duration_months),
            weekly_hours,
            hours_reason,
            hours_note,
            other_weekly_hours,
            objectives,
            person_commitments,
            organisation_commitments,
        })
    }
}

/// 15 hours a week by default; fewer only with a recorded reason; none only
/// for health, disability or childcare.
/// The other activities' weekly hours: empty is none.
fn parse_other_hours(invalid: &mut Invalid, raw: &str) -> Option<i64> {
    match raw.trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(h) if (0..=35).contains(&h) => Some(h),
            _ => {
                invalid.add(
                    "other_weekly_hours",
                    "Les autres activités du contrat se comptent en heures par semaine, de 0 à 35.",
                );
                None
            }
        },
    }
}

fn parse_hours(invalid: &mut Invalid, input: &ContractInput) -> (Option<i64>, Option<HoursReason>) {
    let raw = input.weekly_hours.trim();
    let hours = if raw.is_empty() {
        Some(DEFAULT_WEEKLY_HOURS)
    } else {
        raw.parse::<i64>().ok()
    };
    let reason = optional(&input.hours_reason).and_then(|r| HoursReason::from_code(&r));
    match hours {
        Some(h) if !(0..=35).contains(&h) => invalid.add("weekly_hours", "La durée hebdomadaire d'activité va de 0 à 35 heures."),
        None => invalid.add("weekly_hours", "Indiquez un nombre d'heures par semaine."),
        Some(0) if !matches!(reason, Some(HoursReason::Health | HoursReason::Disability | HoursReason::Childcare)) => {
            invalid.add("hours_reason", "Une dispense d'heures n'est possible que pour raison de santé, de handicap ou de garde d'enfant : indiquez-la.")
        }
        Some(h) if h < DEFAULT_WEEKLY_HOURS && reason.is_none() => {
            invalid.add("hours_reason", "Une durée inférieure à 15 heures doit être justifiée : indiquez la raison.")
        }
        _ => {}
    }
    let reason = if hours.is_some_and(|h| h < DEFAULT_WEEKLY_HOURS) {
        reason
    } else {
        None
    };
    (hours, reason)
}

fn parse_objectives(invalid: &mut Invalid, inputs: &[ObjectiveInput]) -> Vec<Objective> {
    let mut objectives = Vec::new();
    if !bounded_list(
        invalid,
        "objectives",
        "Objectifs",
        inputs.len(),
        OBJECTIVES_MAX,
    ) {
        return objectives;
    }
    for input in inputs {
        let title = input.title.trim();
        if title.is_empty() && input.category.trim().is_empty() {
            continue; // an empty row of the form
        }
        if taxonomy::category(input.category.trim()).is_none() {
            invalid.add(
                "objectives",
                "Chaque objectif est rattaché à une thématique du diagnostic.",
            );
        }
        if title.is_empty() {
            invalid.add("objectives", "Chaque objectif a un intitulé.");
        }
        let title = optional_text(
            invalid,
            "objectives",
            "Intitulé de l'objectif",
            title,
            LINE_MAX,
        )
        .unwrap_or_default();
        let actions = free_text(
            invalid,
            "objectives",
            "Actions prévues",
            &input.actions,
            COMMITMENTS_MAX,
        );
        bounded_list(
            invalid,
            "objectives",
            "Freins de l'objectif",
            input.barriers.len(),
            CODES_MAX,
        );
        for barrier in &input.barriers {
            optional_text(
                invalid,
                "objectives",
                "Frein de l'objectif",
                barrier,
                LINE_MAX,
            );
        }
        objectives.push(Objective {
            category: input.category.trim().to_owned(),
            title,
            barriers: input
                .barriers
                .iter()
                .map(|b| b.trim().to_owned())
                .filter(|b| !b.is_empty())
                .collect(),
            actions: actions
                .lines()
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect(),
        });
    }
    if objectives.is_empty() {
        invalid.add("objectives", "Un contrat comporte au moins un objectif.");
    }
    objectives
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_new_contract_is_offered_as_a_contrat_d_engagement_only() {
        let codes = |current: &str| -> Vec<&str> {
            ContractKind::offered(current)
                .into_iter()
                .map(|(c, _)| c)
                .collect()
        };
        assert_eq!(codes("engagement"), vec!["engagement"]);
        assert_eq!(codes(""), vec!["engagement"]);
        // A CER draft, written before the regime changed, keeps its kind.
        assert_eq!(codes("cer"), vec!["cer", "engagement"]);
    }

    #[test]
    fn event_codes_round_trip() {
        for event in Event::ALL {
            assert_eq!(Event::from_code(event.code()), Some(event));
        }
        assert_eq!(Event::from_code("signé"), None);
    }

    use super::*;
    use proptest::prelude::*;

    fn input() -> ContractInput {
        ContractInput {
            kind: "engagement".into(),
            starts_on: "2026-12-01".into(),
            duration_months: "6".into(),
            objectives: vec![ObjectiveInput {
                category: "mobilite".into(),
                title: "Obtenir le permis de conduire".into(),
                barriers: vec!["Permis et/ou code en cours".into()],
                actions: "Bourse au permis\n\nAuto-école sociale".into(),
            }],
            person_commitments: "Suivre les cours du code".into(),
            ..ContractInput::default()
        }
    }

    #[test]
    fn parses_a_contract_with_default_hours() {
        let contract = ContractData::parse(&input()).unwrap();
        assert_eq!(contract.weekly_hours, Some(15));
        assert_eq!(contract.ends_on, date!(2027 - 05 - 31));
        assert_eq!(
            contract.objectives[0].actions,
            vec!["Bourse au permis", "Auto-école sociale"]
        );
    }

    #[test]
    fn hours_below_fifteen_need_a_reason_and_exemption_a_proven_one() {
        let reduced = ContractInput {
            weekly_hours: "8".into(),
            ..input()
        };
        assert!(ContractData::parse(&reduced)
            .unwrap_err()
            .message_for("hours_reason")
            .is_some());
        let reduced = ContractInput {
            weekly_hours: "8".into(),
            hours_reason: "other".into(),
            ..input()
        };
        assert_eq!(
            ContractData::parse(&reduced).unwrap().hours_reason,
            Some(HoursReason::Other)
        );
        let exempt = ContractInput {
            weekly_hours: "0".into(),
            hours_reason: "other".into(),
            ..input()
        };
        assert!(ContractData::parse(&exempt).is_err());
        let exempt = ContractInput {
            weekly_hours: "0".into(),
            hours_reason: "health".into(),
            ..input()
        };
        assert_eq!(ContractData::parse(&exempt).unwrap().weekly_hours, Some(0));
        let too_many = ContractInput {
            weekly_hours: "40".into(),
            ..input()
        };
        assert!(ContractData::parse(&too_many)
            .unwrap_err()
            .message_for("weekly_hours")
            .is_some());
    }

    #[test]
    fn refuses_missing_objectives_bad_durations_and_wrong_regime() {
        let empty = ContractInput {
            objectives: vec![ObjectiveInput::default()],
            ..input()
        };
        assert!(ContractData::parse(&empty)
            .unwrap_err()
            .message_for("objectives")
            .is_some());
        for months in ["2", "13", "six", ""] {
            let bad = ContractInput {
                duration_months: months.into(),
                ..input()
            };
            assert!(
                ContractData::parse(&bad)
                    .unwrap_err()
                    .message_for("duration_months")
                    .is_some(),
                "{months}"
            );
        }
        let old = ContractInput {
            starts_on: "2024-06-01".into(),
            ..input()
        };
        assert!(ContractData::parse(&old)
            .unwrap_err()
            .message_for("kind")
            .is_some());
        let cer = ContractInput {
            kind: "cer".into(),
            starts_on: "2024-06-01".into(),
            ..input()
        };
        let cer = ContractData::parse(&cer).unwrap();
        assert_eq!(cer.weekly_hours, None, "no weekly hours in a CER");
    }

    #[test]
    fn the_happy_path_of_the_lifecycle() {
        let mut status = ContractStatus::Draft;
        for event in [
            Event::Sign,
            Event::Submit,
            Event::Validate,
            Event::Start,
            Event::End,
            Event::Review,
            Event::Renew,
        ] {
            status = status.after(event).unwrap();
        }
        assert_eq!(status, ContractStatus::Renewed);
        let err = ContractStatus::Draft.after(Event::Validate).unwrap_err();
        assert_eq!(
            err,
            "Impossible de valider un contrat à l'état « Brouillon »."
        );
    }

    fn event() -> impl Strategy<Value = Event> {
        proptest::sample::select(Event::ALL.to_vec())
    }

    proptest! {
        /// Whatever happens, a contract only moves along the lifecycle, one
        /// step at a time; refused events change nothing.
        #[test]
        fn only_legal_moves(events in proptest::collection::vec(event(), 0..40)) {
            let order = [
                ContractStatus::Draft, ContractStatus::Signed, ContractStatus::AwaitingValidation,
                ContractStatus::Validated, ContractStatus::Running, ContractStatus::Ended,
                ContractStatus::Reviewed, ContractStatus::Renewed,
            ];
            let rank = |s: ContractStatus| order.iter().position(|o| *o == s);
            let mut status = ContractStatus::Draft;
            for event in events {
                match status.after(event) {
                    Ok(next) => {
                        prop_assert!(status.next_events().contains(&event));
                        if next == ContractStatus::Rejected {
                            prop_assert_eq!(status, ContractStatus::AwaitingValidation);
                        } else {
                            prop_assert_eq!(rank(next), rank(status).map(|r| r + 1));
                        }
                        status = next;
                    }
                    Err(message) => {
                        prop_assert!(!status.next_events().contains(&event));
                        prop_assert!(message.starts_with("Impossible de"));
                    }
                }
            }
            if matches!(status, ContractStatus::Rejected | ContractStatus::Renewed) {
                prop_assert!(status.next_events().is_empty(), "terminal states");
            }
        }

        #[test]
        fn contracts_last_between_three_and_twelve_months(days in 0i64..3000, months in 3i64..=12) {
            let start = date!(2025 - 01 - 01) + Duration::days(days);
            let end = end_date(start, months);
            prop_assert!(end > start + Duration::days(months * 28 - 2));
            prop_assert!(end < start + Duration::days(months * 31 + 1));
        }
    }
}
