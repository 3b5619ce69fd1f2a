//! The deadline clocks of the pathway (orientation, contract, joint review,
//! contract end), computed from a few dated facts about one person.

use crate::clock::{fr_date, fr_days};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month};

use crate::validation::Invalid;

/// Delays, configurable per département. Defaults follow the law.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineSettings {
    /// Rights opened -> orientation decided (target).
    pub orientation_target_days: i64,
    /// Rights opened -> orientation decided (legal limit, 6 weeks).
    pub orientation_legal_days: i64,
    /// Orientation notified -> contract signed (2025 regime).
    pub contract_days: i64,
    /// Same, for a social orientation notified before 2025-01-01.
    pub contract_days_social_before_2025: i64,
    /// Social pathway -> joint review.
    pub social_review_months: i64,
    /// Same, when health, disability, housing or childcare difficulties justify it.
    pub social_review_extended_months: i64,
    /// Window in which an open clock is "due soon".
    pub due_soon_days: i64,
    /// How long a person has to answer a place offered from a waiting list
    /// (absent from settings saved before it existed).
    #[serde(default = "default_offer_days")]
    pub offer_days: i64,
    /// Completed weeks in a row below a contrat d'engagement's hours before
    /// the référent is alerted (absent from settings saved before it existed).
    #[serde(default = "default_hours_alert_weeks")]
    pub hours_alert_weeks: i64,
}

fn default_offer_days() -> i64 {
    5
}

fn default_hours_alert_weeks() -> i64 {
    3
}

impl Default for DeadlineSettings {
    fn default() -> Self {
        Self {
            orientation_target_days: 30,
            orientation_legal_days: 42,
            contract_days: 30,
            contract_days_social_before_2025: 60,
            social_review_months: 6,
            social_review_extended_months: 12,
            due_soon_days: 7,
            offer_days: default_offer_days(),
            hours_alert_weeks: default_hours_alert_weeks(),
        }
    }
}

impl DeadlineSettings {
    /// Every delay within 1..=730 days or 1..=36 months; legal >= target.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut invalid = Invalid::new();
        let days = [
            ("orientation_target_days", self.orientation_target_days),
            ("orientation_legal_days", self.orientation_legal_days),
            ("contract_days", self.contract_days),
            (
                "contract_days_social_before_2025",
                self.contract_days_social_before_2025,
            ),
            ("due_soon_days", self.due_soon_days),
        ];
        if !(1..=12).contains(&self.hours_alert_weeks) {
            invalid.add(
                "hours_alert_weeks",
                "Le nombre de semaines sous les heures du contrat va de 1 à 12.",
            );
        }
        if !(1..=60).contains(&self.offer_days) {
            invalid.add(
                "offer_days",
                "Le délai de réponse doit être compris entre 1 et 60 jours.",
            );
        }
        for (field, value) in days {
            if !(1..=730).contains(&value) {
                invalid.add(field, "Le délai doit être compris entre 1 et 730 jours.");
            }
        }
        let months = [
            ("social_review_months", self.social_review_months),
            (
                "social_review_extended_months",
                self.social_review_extended_months,
            ),
        ];
        for (field, value) in months {
            if !(1..=36).contains(&value) {
                invalid.add(field, "Le délai doit être compris entre 1 et 36 mois.");
            }
        }
        if self.orientation_legal_days < self.orientation_target_days
            && invalid.message_for("orientation_legal_days").is_none()
        {
            invalid.add(
                "orientation_legal_days",
                "Le délai légal d'orientation doit être supérieur ou égal au délai cible.",
            );
        }
        invalid.into_result(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrientationKind {
    Professional,
    SocioProfessional,
    Social,
}

crate::person::stored_as_code!(OrientationKind);

impl OrientationKind {
    pub const ALL: [OrientationKind; 3] = [
        OrientationKind::Professional,
        OrientationKind::SocioProfessional,
        OrientationKind::Social,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OrientationKind::Professional => "professional",
            OrientationKind::SocioProfessional => "socio_professional",
            OrientationKind::Social => "social",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            OrientationKind::Professional => "Professionnelle",
            OrientationKind::SocioProfessional => "Socio-professionnelle",
            OrientationKind::Social => "Sociale",
        }
    }
}

/// Dated facts about one person's pathway.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathwayFacts {
    /// Subject to "droits et devoirs" since.
    pub rights_opened_on: Option<Date>,
    /// Current validated orientation.
    pub orientation: Option<OrientationFacts>,
    /// First contract signed after that orientation.
    pub contract_signed_on: Option<Date>,
    /// End of the current contract.
    pub contract_ends_on: Option<Date>,
    /// Contract review ("bilan") done.
    pub contract_reviewed_on: Option<Date>,
    /// Joint review done (social pathway).
    pub joint_review_on: Option<Date>,
    /// File closed: no clock runs.
    pub closed_on: Option<Date>,
    /// A person outside the RSA (admitted at the margin): no RSA clock runs.
    #[serde(default)]
    pub outside_rsa: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrientationFacts {
    pub kind: OrientationKind,
    pub decided_on: Date,
    pub notified_on: Date,
    /// Social pathway whose difficulties justify the extended review delay.
    pub extended_review: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    Orientation,
    Contract,
    JointReview,
    ContractEnd,
}

crate::person::stored_as_code!(ClockKind);

impl ClockKind {
    pub const ALL: [ClockKind; 4] = [
        ClockKind::Orientation,
        ClockKind::Contract,
        ClockKind::JointReview,
        ClockKind::ContractEnd,
    ];

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            ClockKind::Orientation => "orientation",
            ClockKind::Contract => "contract",
            ClockKind::JointReview => "joint_review",
            ClockKind::ContractEnd => "contract_end",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ClockKind::Orientation => "Orientation",
            ClockKind::Contract => "Signature du contrat",
            ClockKind::JointReview => "Réexamen du parcours social",
            ClockKind::ContractEnd => "Fin de contrat et bilan",
        }
    }
}

/// `days` is the number of days left (Running, DueSoon) or overdue (Late).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ClockStatus {
    Met { on: Date, late: bool },
    Late { days: i64 },
    DueSoon { days: i64 },
    Running { days: i64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub kind: ClockKind,
    pub started_on: Date,
    pub due_on: Date,
    pub status: ClockStatus,
}

impl Clock {
    pub fn is_open(&self) -> bool {
        !matches!(self.status, ClockStatus::Met { .. })
    }

    /// French sentence, e.g. "Orientation : en retard de 12 jours (échéance le 03/11/2026)".
    pub fn label(&self) -> String {
        let kind = self.kind.label();
        let due = fr_date(self.due_on);
        match self.status {
            ClockStatus::Met { on, late: false } => {
                format!(
                    "{kind} : réalisation le {} (échéance le {due})",
                    fr_date(on)
                )
            }
            ClockStatus::Met { on, late: true } => format!(
                "{kind} : réalisation le {}, avec {} de retard (échéance le {due})",
                fr_date(on),
                fr_days((on - self.due_on).whole_days())
            ),
            ClockStatus::Late { days } => {
                format!(
                    "{kind} : en retard de {} (échéance le {due})",
                    fr_days(days)
                )
            }
            ClockStatus::DueSoon { days: 0 } => format!("{kind} : échéance aujourd'hui ({due})"),
            ClockStatus::DueSoon { days } => {
                format!(
                    "{kind} : échéance proche, dans {} (le {due})",
                    fr_days(days)
                )
            }
            ClockStatus::Running { days } => {
                format!(
                    "{kind} : en cours, échéance le {due} (dans {})",
                    fr_days(days)
                )
            }
        }
    }
}

/// Adds calendar months, clamping the day to the end of the target month
/// (31 January + 1 month = 28 or 29 February). Saturates at `Date::MIN`/`MAX`.
pub fn add_months(date: Date, months: i64) -> Date {
    let saturated = if months < 0 { Date::MIN } else { Date::MAX };
    let total = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1;
    let Some(total) = total.checked_add(months) else {
        return saturated;
    };
    let Ok(year) = i32::try_from(total.div_euclid(12)) else {
        return saturated;
    };
    let month = Month::try_from(total.rem_euclid(12) as u8 + 1).expect("1..=12");
    Date::from_calendar_date(year, month, date.day().min(month.length(year))).unwrap_or(saturated)
}

fn add_days(date: Date, days: i64) -> Date {
    date.checked_add(Duration::days(days))
        .unwrap_or(if days < 0 { Date::MIN } else { Date::MAX })
}

/// The clocks running (or met) for one person, as of `today`.
///
/// A clock is met by an event dated on or after its start (an older event
/// belongs to a previous period), except the orientation clock, met by any
/// current orientation.
pub fn clocks(facts: &PathwayFacts, settings: &DeadlineSettings, today: Date) -> Vec<Clock> {
    if facts.closed_on.is_some() || facts.outside_rsa {
        return Vec::new();
    }
    let status = |due_on: Date, met_on: Option<Date>| match met_on {
        Some(on) => ClockStatus::Met {
            on,
            late: on > due_on,
        },
        None if today > due_on => ClockStatus::Late {
            days: (today - due_on).whole_days(),
        },
        None => {
            let days = (due_on - today).whole_days();
            if days <= settings.due_soon_days {
                ClockStatus::DueSoon { days }
            } else {
                ClockStatus::Running { days }
            }
        }
    };
    let clock = |kind, started_on: Date, due_on: Date, met_on: Option<Date>| Clock {
        kind,
        started_on,
        due_on,
        status: status(due_on, met_on.filter(|on| *on >= started_on)),
    };
    let mut out = Vec::new();

    if let Some(opened) = facts.rights_opened_on {
        let due = add_days(opened, settings.orientation_target_days);
        let decided = facts.orientation.map(|o| o.decided_on);
        out.push(Clock {
            kind: ClockKind::Orientation,
            started_on: opened,
            due_on: due,
            status: status(due, decided),
        });
    }

    if let Some(o) = facts.orientation {
        let start = o.notified_on;
        let old_social = o.kind == OrientationKind::Social
            && start < Date::from_calendar_date(2025, Month::January, 1).expect("valid date");
        let days = if old_social {
            settings.contract_days_social_before_2025
        } else {
            settings.contract_days
        };
        out.push(clock(
            ClockKind::Contract,
            start,
            add_days(start, days),
            facts.contract_signed_on,
        ));

        if o.kind == OrientationKind::Social {
            let months = if o.extended_review {
                settings.social_review_extended_months
            } else {
                settings.social_review_months
            };
            out.push(clock(
                ClockKind::JointReview,
                start,
                add_months(start, months),
                facts.joint_review_on,
            ));
        }
    }

    if let Some(ends) = facts.contract_ends_on {
        let start = facts
            .contract_signed_on
            .map_or(ends, |signed| signed.min(ends));
        out.push(clock(
            ClockKind::ContractEnd,
            start,
            ends,
            facts.contract_reviewed_on,
        ));
    }
    out
}

/// The earliest due date among open clocks (for caseload lists).
pub fn next_due(clocks: &[Clock]) -> Option<&Clock> {
    clocks
        .iter()
        .filter(|c| c.is_open())
        .min_by_key(|c| c.due_on)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn social(notified_on: Date) -> OrientationFacts {
        OrientationFacts {
            kind: OrientationKind::Social,
            decided_on: notified_on,
            notified_on,
            extended_review: false,
        }
    }

    fn find(clocks: &[Clock], kind: ClockKind) -> Option<Clock> {
        clocks.iter().copied().find(|c| c.kind == kind)
    }

    #[test]
    fn settings_defaults_are_valid_and_checked() {
        assert_eq!(DeadlineSettings::default().validate(), Ok(()));
        let bad = DeadlineSettings {
            orientation_target_days: 50,
            contract_days: 0,
            social_review_months: 37,
            ..DeadlineSettings::default()
        };
        let err = bad.validate().unwrap_err();
        assert!(err
            .message_for("contract_days")
            .unwrap()
            .contains("730 jours"));
        assert!(err
            .message_for("social_review_months")
            .unwrap()
            .contains("36 mois"));
        assert!(err
            .message_for("orientation_legal_days")
            .unwrap()
            .contains("cible"));
        assert_eq!(err.errors.len(), 3);
    }

    #[test]
    fn orientation_kind_codes_round_trip() {
        for kind in OrientationKind::ALL {
            assert_eq!(OrientationKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(OrientationKind::from_code("autre"), None);
    }

    #[test]
    fn orientation_clock() {
        let s = DeadlineSettings::default();
        let mut facts = PathwayFacts {
            rights_opened_on: Some(date!(2026 - 01 - 10)),
            ..PathwayFacts::default()
        };
        let c = find(
            &clocks(&facts, &s, date!(2026 - 01 - 15)),
            ClockKind::Orientation,
        )
        .unwrap();
        assert_eq!(c.due_on, date!(2026 - 02 - 09));
        assert_eq!(c.status, ClockStatus::Running { days: 25 });
        let c = find(
            &clocks(&facts, &s, date!(2026 - 02 - 21)),
            ClockKind::Orientation,
        )
        .unwrap();
        assert_eq!(c.status, ClockStatus::Late { days: 12 });
        assert_eq!(
            c.label(),
            "Orientation : en retard de 12 jours (échéance le 09/02/2026)"
        );

        facts.orientation = Some(OrientationFacts {
            kind: OrientationKind::Professional,
            decided_on: date!(2026 - 02 - 11),
            notified_on: date!(2026 - 02 - 12),
            extended_review: false,
        });
        let all = clocks(&facts, &s, date!(2026 - 02 - 21));
        let c = find(&all, ClockKind::Orientation).unwrap();
        assert_eq!(
            c.status,
            ClockStatus::Met {
                on: date!(2026 - 02 - 11),
                late: true
            }
        );
        assert!(!c.is_open());
        assert!(c.label().contains("avec 2 jours de retard"));
        // Professional: no joint review, no contract end yet.
        assert_eq!(all.len(), 2);
    }

    #[test]
    fn contract_clock() {
        let s = DeadlineSettings::default();
        let mut facts = PathwayFacts {
            orientation: Some(OrientationFacts {
                kind: OrientationKind::SocioProfessional,
                decided_on: date!(2026 - 03 - 01),
                notified_on: date!(2026 - 03 - 02),
                extended_review: false,
            }),
            ..PathwayFacts::default()
        };
        let c = find(
            &clocks(&facts, &s, date!(2026 - 03 - 02)),
            ClockKind::Contract,
        )
        .unwrap();
        assert_eq!(c.started_on, date!(2026 - 03 - 02));
        assert_eq!(c.due_on, date!(2026 - 04 - 01));
        // A contract signed before the notification belongs to an earlier period.
        facts.contract_signed_on = Some(date!(2026 - 02 - 01));
        let c = find(
            &clocks(&facts, &s, date!(2026 - 03 - 02)),
            ClockKind::Contract,
        )
        .unwrap();
        assert!(c.is_open());
        facts.contract_signed_on = Some(date!(2026 - 03 - 20));
        let c = find(
            &clocks(&facts, &s, date!(2026 - 05 - 01)),
            ClockKind::Contract,
        )
        .unwrap();
        assert_eq!(
            c.status,
            ClockStatus::Met {
                on: date!(2026 - 03 - 20),
                late: false
            }
        );
    }

    #[test]
    fn social_contract_before_2025_gets_60_days() {
        let s = DeadlineSettings::default();
        let today = date!(2024 - 12 - 31);
        let old = PathwayFacts {
            orientation: Some(social(date!(2024 - 12 - 31))),
            ..Default::default()
        };
        let c = find(&clocks(&old, &s, today), ClockKind::Contract).unwrap();
        assert_eq!(c.due_on, date!(2025 - 03 - 01));
        let new = PathwayFacts {
            orientation: Some(social(date!(2025 - 01 - 01))),
            ..Default::default()
        };
        let c = find(&clocks(&new, &s, today), ClockKind::Contract).unwrap();
        assert_eq!(c.due_on, date!(2025 - 01 - 31));
        // Professional before 2025: the general delay.
        let mut pro = social(date!(2024 - 06 - 01));
        pro.kind = OrientationKind::Professional;
        let facts = PathwayFacts {
            orientation: Some(pro),
            ..Default::default()
        };
        let c = find(&clocks(&facts, &s, today), ClockKind::Contract).unwrap();
        assert_eq!(c.due_on, date!(2024 - 07 - 01));
    }

    #[test]
    fn joint_review_clock() {
        let s = DeadlineSettings::default();
        let mut o = social(date!(2026 - 08 - 31));
        let facts = PathwayFacts {
            orientation: Some(o),
            ..Default::default()
        };
        let c = find(
            &clocks(&facts, &s, date!(2026 - 09 - 01)),
            ClockKind::JointReview,
        )
        .unwrap();
        assert_eq!(c.due_on, date!(2027 - 02 - 28));
        o.extended_review = true;
        let facts = PathwayFacts {
            orientation: Some(o),
            joint_review_on: Some(date!(2027 - 06 - 01)),
            ..Default::default()
        };
        let c = find(
            &clocks(&facts, &s, date!(2027 - 09 - 01)),
            ClockKind::JointReview,
        )
        .unwrap();
        assert_eq!(c.due_on, date!(2027 - 08 - 31));
        assert_eq!(
            c.status,
            ClockStatus::Met {
                on: date!(2027 - 06 - 01),
                late: false
            }
        );
    }

    #[test]
    fn contract_end_clock() {
        let s = DeadlineSettings::default();
        let mut facts = PathwayFacts {
            contract_signed_on: Some(date!(2026 - 01 - 05)),
            contract_ends_on: Some(date!(2026 - 07 - 04)),
            ..Default::default()
        };
        let c = find(
            &clocks(&facts, &s, date!(2026 - 07 - 01)),
            ClockKind::ContractEnd,
        )
        .unwrap();
        assert_eq!(
            (c.started_on, c.due_on),
            (date!(2026 - 01 - 05), date!(2026 - 07 - 04))
        );
        assert_eq!(c.status, ClockStatus::DueSoon { days: 3 });
        assert_eq!(
            c.label(),
            "Fin de contrat et bilan : échéance proche, dans 3 jours (le 04/07/2026)"
        );
        facts.contract_reviewed_on = Some(date!(2026 - 07 - 02));
        let c = find(
            &clocks(&facts, &s, date!(2026 - 07 - 10)),
            ClockKind::ContractEnd,
        )
        .unwrap();
        assert_eq!(
            c.status,
            ClockStatus::Met {
                on: date!(2026 - 07 - 02),
                late: false
            }
        );
        // Without a signature date the clock starts at the end date.
        facts.contract_signed_on = None;
        facts.contract_reviewed_on = None;
        let c = find(
            &clocks(&facts, &s, date!(2026 - 07 - 04)),
            ClockKind::ContractEnd,
        )
        .unwrap();
        assert_eq!(c.started_on, c.due_on);
        assert_eq!(
            c.label(),
            "Fin de contrat et bilan : échéance aujourd'hui (04/07/2026)"
        );
    }

    #[test]
    fn due_soon_boundary() {
        let s = DeadlineSettings::default();
        let facts = PathwayFacts {
            rights_opened_on: Some(date!(2026 - 01 - 01)),
            ..Default::default()
        };
        let due = date!(2026 - 01 - 31);
        let status = |today: Date| clocks(&facts, &s, today)[0].status;
        assert_eq!(
            status(due - Duration::days(8)),
            ClockStatus::Running { days: 8 }
        );
        assert_eq!(
            status(due - Duration::days(7)),
            ClockStatus::DueSoon { days: 7 }
        );
        assert_eq!(status(due), ClockStatus::DueSoon { days: 0 });
        assert_eq!(
            status(due + Duration::days(1)),
            ClockStatus::Late { days: 1 }
        );
    }

    #[test]
    fn closed_file_has_no_clock() {
        let facts = PathwayFacts {
            rights_opened_on: Some(date!(2026 - 01 - 01)),
            orientation: Some(social(date!(2026 - 02 - 01))),
            contract_ends_on: Some(date!(2026 - 12 - 31)),
            closed_on: Some(date!(2026 - 03 - 01)),
            ..Default::default()
        };
        assert!(clocks(&facts, &DeadlineSettings::default(), date!(2026 - 04 - 01)).is_empty());
    }

    #[test]
    fn a_person_outside_the_rsa_has_no_rsa_clock() {
        let facts = PathwayFacts {
            rights_opened_on: Some(date!(2026 - 01 - 01)),
            orientation: Some(social(date!(2026 - 02 - 01))),
            contract_ends_on: Some(date!(2026 - 12 - 31)),
            ..Default::default()
        };
        let today = date!(2026 - 04 - 01);
        assert!(!clocks(&facts, &DeadlineSettings::default(), today).is_empty());
        let outside = PathwayFacts {
            outside_rsa: true,
            ..facts
        };
        assert!(clocks(&outside, &DeadlineSettings::default(), today).is_empty());
    }

    #[test]
    fn month_clamping() {
        assert_eq!(add_months(date!(2024 - 01 - 31), 1), date!(2024 - 02 - 29));
        assert_eq!(add_months(date!(2025 - 01 - 31), 1), date!(2025 - 02 - 28));
        assert_eq!(add_months(date!(2025 - 08 - 31), 6), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2025 - 11 - 15), 3), date!(2026 - 02 - 15));
        assert_eq!(add_months(date!(2025 - 03 - 31), -1), date!(2025 - 02 - 28));
        assert_eq!(add_months(date!(2025 - 03 - 31), 0), date!(2025 - 03 - 31));
        assert_eq!(add_months(date!(2025 - 03 - 31), i64::MAX), Date::MAX);
    }

    #[test]
    fn next_due_picks_earliest_open_clock() {
        let facts = PathwayFacts {
            rights_opened_on: Some(date!(2026 - 01 - 01)),
            orientation: Some(social(date!(2026 - 01 - 20))),
            ..Default::default()
        };
        let all = clocks(&facts, &DeadlineSettings::default(), date!(2026 - 01 - 25));
        // Orientation is met, so the contract clock comes next.
        assert_eq!(next_due(&all).unwrap().kind, ClockKind::Contract);
        assert_eq!(next_due(&[]), None);
    }

    fn day() -> impl Strategy<Value = Date> {
        (-4000i64..4000).prop_map(|d| date!(2025 - 01 - 01) + Duration::days(d))
    }

    fn settings() -> impl Strategy<Value = DeadlineSettings> {
        (
            1i64..=730,
            0i64..=730,
            1i64..=730,
            1i64..=730,
            1i64..=36,
            1i64..=36,
            1i64..=730,
        )
            .prop_map(|(t, extra, c, c60, m, m_ext, soon)| DeadlineSettings {
                orientation_target_days: t,
                orientation_legal_days: (t + extra).min(730),
                contract_days: c,
                contract_days_social_before_2025: c60,
                social_review_months: m,
                social_review_extended_months: m_ext,
                due_soon_days: soon,
                ..DeadlineSettings::default()
            })
    }

    fn facts() -> impl Strategy<Value = PathwayFacts> {
        let orientation = (
            prop::sample::select(OrientationKind::ALL.to_vec()),
            day(),
            day(),
            any::<bool>(),
        )
            .prop_map(|(kind, decided_on, notified_on, extended_review)| {
                OrientationFacts {
                    kind,
                    decided_on,
                    notified_on,
                    extended_review,
                }
            });
        (
            prop::option::of(day()),
            prop::option::of(orientation),
            prop::option::of(day()),
            prop::option::of(day()),
            prop::option::of(day()),
            prop::option::of(day()),
            prop::option::weighted(0.1, day()),
        )
            .prop_map(
                |(r, o, signed, ends, reviewed, joint, closed)| PathwayFacts {
                    rights_opened_on: r,
                    orientation: o,
                    contract_signed_on: signed,
                    contract_ends_on: ends,
                    contract_reviewed_on: reviewed,
                    joint_review_on: joint,
                    closed_on: closed,
                    outside_rsa: false,
                },
            )
    }

    proptest! {
        #[test]
        fn clocks_are_consistent(facts in facts(), settings in settings(), today in day()) {
            prop_assert_eq!(settings.validate(), Ok(()));
            let all = clocks(&facts, &settings, today);
            if facts.closed_on.is_some() {
                prop_assert!(all.is_empty());
            }
            for c in &all {
                prop_assert!(c.due_on >= c.started_on);
                match c.status {
                    ClockStatus::Met { on, late } => prop_assert_eq!(late, on > c.due_on),
                    ClockStatus::Late { days } => {
                        prop_assert!(days > 0 && c.due_on + Duration::days(days) == today)
                    }
                    ClockStatus::DueSoon { days } => {
                        prop_assert!((0..=settings.due_soon_days).contains(&days))
                    }
                    ClockStatus::Running { days } => prop_assert!(days > settings.due_soon_days),
                }
                prop_assert!(!c.label().is_empty());
            }
            let min = all.iter().filter(|c| c.is_open()).map(|c| c.due_on).min();
            prop_assert_eq!(next_due(&all).map(|c| c.due_on), min);
            if let Some(c) = next_due(&all) {
                prop_assert!(c.is_open());
            }
        }
    }
}
