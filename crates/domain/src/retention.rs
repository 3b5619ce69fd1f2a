//! Retention of personal data (issue 18): a person's file with no contact
//! for [`RetentionPolicy::inactive_months`] (2 years by default; a contact is
//! any dated event of the pathway) is anonymised, and audit events older
//! than [`RetentionPolicy::audit_months`] (12 months by default, 6 to 12
//! allowed by the CNIL's framework) are deleted. Anonymisation keeps what the
//! statistics and the FSE+ reports count — the birth year, sex, commune,
//! dates and codes — so that past figures do not change.

use crate::clock;
use crate::deadline::add_months;
use crate::diagnostic::{Barrier, DiagnosticData};
use crate::{FieldError, Invalid};
use time::{Date, Month, OffsetDateTime, Time};

/// Months without contact before a file is anonymised, by default (2 years).
pub const DEFAULT_INACTIVE_MONTHS: u32 = 24;
/// Months an audit event is kept, by default.
pub const DEFAULT_AUDIT_MONTHS: u32 = 12;
/// The audit trail is kept 6 to 12 months (CNIL, social follow-up).
pub const AUDIT_MONTHS: std::ops::RangeInclusive<u32> = 6..=12;
/// The setting of the inactivity period, as the command line names it.
pub const INACTIVE_SETTING: &str = "retention-months";
/// The setting of the audit period, as the command line names it.
pub const AUDIT_SETTING: &str = "audit-retention-months";

/// The name an anonymised file shows instead of the person's.
pub const ANONYMISED_NAME: &str = "Dossier anonymisé";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    pub inactive_months: u32,
    pub audit_months: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            inactive_months: DEFAULT_INACTIVE_MONTHS,
            audit_months: DEFAULT_AUDIT_MONTHS,
        }
    }
}

impl RetentionPolicy {
    /// The policy, checked: at least one month of inactivity, and an audit
    /// period of 6 to 12 months; a French message naming the setting.
    pub fn new(inactive_months: u32, audit_months: u32) -> Result<RetentionPolicy, Invalid> {
        let mut invalid = Invalid::new();
        if inactive_months == 0 || inactive_months > 1200 {
            invalid.add(
                INACTIVE_SETTING,
                format!(
                    "La durée de conservation des dossiers sans contact ({INACTIVE_SETTING}) \
                     est un nombre de mois de 1 à 1200 (reçu : {inactive_months})."
                ),
            );
        }
        if !AUDIT_MONTHS.contains(&audit_months) {
            invalid.add(
                AUDIT_SETTING,
                format!(
                    "La durée de conservation du journal d'audit ({AUDIT_SETTING}) est de \
                     {} à {} mois (reçu : {audit_months}).",
                    AUDIT_MONTHS.start(),
                    AUDIT_MONTHS.end()
                ),
            );
        }
        if invalid.is_empty() {
            Ok(RetentionPolicy {
                inactive_months,
                audit_months,
            })
        } else {
            Err(invalid)
        }
    }

    /// The cut-off dates of a run on `today` (Paris).
    pub fn cutoffs(&self, today: Date) -> Cutoffs {
        let inactive_before = add_months(today, -i64::from(self.inactive_months));
        let audit_before = add_months(today, -i64::from(self.audit_months));
        Cutoffs {
            inactive_before,
            inactive_instant: clock::paris_instant(inactive_before, Time::MIDNIGHT),
            audit_before: clock::paris_instant(audit_before, Time::MIDNIGHT),
        }
    }

    /// The cut-off dates of a run today.
    pub fn cutoffs_today(&self) -> Cutoffs {
        self.cutoffs(clock::today())
    }

    /// « 24 mois », for the screens.
    pub fn describe(&self) -> String {
        format!(
            "dossiers sans contact depuis {} mois anonymisés ; journal d'audit conservé {} mois",
            self.inactive_months, self.audit_months
        )
    }
}

/// What a run anonymises and deletes: files whose last contact is before
/// `inactive_before` (a date event) or `inactive_instant` (an instant, the
/// start of that day in Paris), and audit events before `audit_before`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    pub inactive_before: Date,
    pub inactive_instant: OffsetDateTime,
    pub audit_before: OffsetDateTime,
}

impl Cutoffs {
    /// Whether a file last contacted on `last_contact` is anonymised.
    pub fn is_inactive(&self, last_contact: Date) -> bool {
        last_contact < self.inactive_before
    }
}

/// The birth date an anonymised file keeps: the 1st of January of its year.
/// The year is what the statistics use (age bands); the day and month,
/// with the commune and sex, would single a person out.
pub fn anonymised_birth_date(birth_date: Date) -> Date {
    Date::from_calendar_date(birth_date.year(), Month::January, 1).unwrap_or(birth_date)
}

/// The fields of a person's file as anonymisation leaves them: kept (ids,
/// dates, codes, sex, commune, birth year) or blanked (identity, contact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub last_name: String,
    pub first_names: String,
    pub birth_name: Option<String>,
    pub birth_date: Date,
    pub sex: String,
    pub nir: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub commune_code: Option<String>,
}

/// The identity an anonymised file keeps: sex, commune and the birth year;
/// no name, NIR, e-mail, phone or address.
pub fn anonymise(identity: &Identity) -> Identity {
    Identity {
        last_name: ANONYMISED_NAME.to_owned(),
        first_names: String::new(),
        birth_name: None,
        birth_date: anonymised_birth_date(identity.birth_date),
        sex: identity.sex.clone(),
        nir: None,
        email: None,
        phone: None,
        address: None,
        commune_code: identity.commune_code.clone(),
    }
}

/// The diagnostic an anonymised file keeps: the barriers' codes (category
/// and severity) but for the sensitive ones (health), their label only when
/// it is the taxonomy's (a label typed by hand is a free text), and none of
/// the free texts.
pub fn anonymised_diagnostic(data: &DiagnosticData) -> DiagnosticData {
    DiagnosticData {
        barriers: data
            .barriers
            .iter()
            .filter(|b| !b.is_sensitive())
            .map(|b| Barrier {
                label: if crate::taxonomy::barriers_of(&b.category).any(|l| l == b.label) {
                    b.label.clone()
                } else {
                    String::new()
                },
                ..b.clone()
            })
            .collect(),
        // Checklist items, no free text.
        resources: data.resources.clone(),
        ..DiagnosticData::default()
    }
}

/// The error of an out-of-range setting, as one line (the command line's).
pub fn message(invalid: &Invalid) -> String {
    invalid
        .errors
        .iter()
        .map(|e: &FieldError| e.message.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn the_defaults_are_two_years_and_twelve_months() {
        let policy = RetentionPolicy::default();
        assert_eq!(policy.inactive_months, 24);
        assert_eq!(policy.audit_months, 12);
        assert_eq!(RetentionPolicy::new(24, 12), Ok(policy));
    }

    #[test]
    fn an_audit_period_outside_six_to_twelve_months_is_refused_naming_the_setting() {
        for months in [0, 5, 13, 36] {
            let invalid = RetentionPolicy::new(24, months).unwrap_err();
            assert_eq!(invalid.errors[0].field, AUDIT_SETTING);
            assert!(message(&invalid).contains("de 6 à 12 mois"), "{months}");
        }
        for months in 6..=12 {
            assert!(RetentionPolicy::new(24, months).is_ok());
        }
        let invalid = RetentionPolicy::new(0, 12).unwrap_err();
        assert_eq!(invalid.errors[0].field, INACTIVE_SETTING);
    }

    #[test]
    fn the_cutoffs_count_calendar_months_back_from_today() {
        let cutoffs = RetentionPolicy::default().cutoffs(date!(2026 - 12 - 05));
        assert_eq!(cutoffs.inactive_before, date!(2024 - 12 - 05));
        // Midnight in Paris (winter: UTC+1).
        assert_eq!(
            cutoffs.inactive_instant,
            time::macros::datetime!(2024-12-04 23:00 UTC)
        );
        assert_eq!(
            cutoffs.audit_before,
            time::macros::datetime!(2025-12-04 23:00 UTC)
        );
        assert!(cutoffs.is_inactive(date!(2024 - 12 - 04)));
        assert!(!cutoffs.is_inactive(date!(2024 - 12 - 05)));
        // The end of a longer month is clamped.
        let cutoffs = RetentionPolicy::default().cutoffs(date!(2026 - 02 - 28));
        assert_eq!(cutoffs.inactive_before, date!(2024 - 02 - 28));
    }

    #[test]
    fn anonymisation_keeps_sex_commune_and_birth_year_only() {
        let identity = Identity {
            last_name: "Martin".into(),
            first_names: "Claire".into(),
            birth_name: Some("Durand".into()),
            birth_date: date!(1984 - 07 - 14),
            sex: "F".into(),
            nir: Some("284071412345678".into()),
            email: Some("claire@example.org".into()),
            phone: Some("0600000000".into()),
            address: Some("1 rue de la Paix".into()),
            commune_code: Some("14118".into()),
        };
        let kept = anonymise(&identity);
        assert_eq!(kept.last_name, ANONYMISED_NAME);
        assert_eq!(kept.first_names, "");
        assert_eq!(kept.birth_date, date!(1984 - 01 - 01));
        assert_eq!(kept.sex, "F");
        assert_eq!(kept.commune_code.as_deref(), Some("14118"));
        assert_eq!(
            (
                kept.birth_name,
                kept.nir,
                kept.email,
                kept.phone,
                kept.address
            ),
            (None, None, None, None, None)
        );
    }

    #[test]
    fn a_diagnostic_keeps_its_non_sensitive_barriers_codes_and_no_text() {
        use crate::diagnostic::Severity;
        let category = "famille";
        let known = crate::taxonomy::barriers_of(category)
            .next()
            .unwrap()
            .to_owned();
        let data = DiagnosticData {
            barriers: vec![
                Barrier {
                    category: category.into(),
                    label: known.clone(),
                    severity: Severity::Strong,
                },
                Barrier {
                    category: category.into(),
                    label: "Mme X n'a plus de voiture".into(),
                    severity: Severity::Moderate,
                },
                Barrier {
                    category: "sante".into(),
                    label: "Dépression".into(),
                    severity: Severity::Strong,
                },
            ],
            wishes: "Travailler chez Martin".into(),
            health_notes: "suivi psychiatrique".into(),
            ..DiagnosticData::default()
        };
        let kept = anonymised_diagnostic(&data);
        assert_eq!(kept.barriers.len(), 2, "the health barrier is gone");
        assert_eq!(kept.barriers[0].label, known);
        assert_eq!(kept.barriers[1].label, "", "a typed label is a free text");
        assert_eq!(kept.barriers[1].severity, Severity::Moderate);
        assert_eq!((kept.wishes.as_str(), kept.health_notes.as_str()), ("", ""));
        assert_eq!(anonymised_diagnostic(&kept), kept, "twice changes nothing");
    }

    proptest! {
        #[test]
        fn the_birth_year_is_kept_and_anonymising_twice_changes_nothing(
            days in -40_000i64..20_000
        ) {
            let birth = date!(1970 - 01 - 01) + time::Duration::days(days);
            let once = anonymised_birth_date(birth);
            prop_assert_eq!(once.year(), birth.year());
            prop_assert_eq!(anonymised_birth_date(once), once);
            prop_assert!(once <= birth);
        }

        #[test]
        fn a_file_contacted_on_the_cutoff_or_after_is_kept(
            offset in 0i64..3_000, months in 1u32..120
        ) {
            let today = date!(2026 - 12 - 05);
            let cutoffs = RetentionPolicy::new(months, 12).unwrap().cutoffs(today);
            let contact = cutoffs.inactive_before + time::Duration::days(offset);
            prop_assert!(!cutoffs.is_inactive(contact));
            prop_assert!(cutoffs.is_inactive(cutoffs.inactive_before - time::Duration::days(1 + offset)));
            prop_assert!(cutoffs.inactive_before <= today);
        }
    }
}
