//! Appointments of an individual action: the structure fixes a meeting with
//! one participant (a date, a start time, an optional end time and a note).
//! An appointment must fall within the participation: not before the entry,
//! not after the exit, not after the action's end.

use crate::person::required_date;
use crate::schedule::parse_time;
use crate::Invalid;
use time::{Date, Time};

/// Longest note kept on an appointment.
pub const NOTE_MAX: usize = 300;

/// An appointment as typed in the form or sent to the API.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AppointmentInput {
    /// AAAA-MM-JJ or JJ/MM/AAAA.
    #[serde(default)]
    pub on_date: String,
    /// HH:MM.
    #[serde(default)]
    pub starts_at: String,
    /// HH:MM, after the start; optional.
    #[serde(default)]
    pub ends_at: String,
    #[serde(default)]
    pub note: String,
}

/// A valid appointment (a value that exists is well formed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentData {
    pub on_date: Date,
    pub starts_at: Time,
    pub ends_at: Option<Time>,
    pub note: Option<String>,
}

impl AppointmentData {
    pub fn parse(input: &AppointmentInput) -> Result<AppointmentData, Invalid> {
        let mut invalid = Invalid::new();
        let on_date = required_date(
            &mut invalid,
            "on_date",
            "Date du rendez-vous",
            &input.on_date,
        );
        let starts_at = if input.starts_at.trim().is_empty() {
            invalid.add(
                "starts_at",
                "Le champ « Heure de début » est obligatoire (HH:MM).",
            );
            None
        } else {
            parse_time(
                &mut invalid,
                "starts_at",
                "Heure de début",
                &input.starts_at,
            )
        };
        let ends_at = parse_time(&mut invalid, "ends_at", "Heure de fin", &input.ends_at);
        if let (Some(start), Some(end)) = (starts_at, ends_at) {
            if end <= start {
                invalid.add("ends_at", "L'heure de fin doit suivre l'heure de début.");
            }
        }
        let note =
            crate::validation::optional_text(&mut invalid, "note", "Note", &input.note, NOTE_MAX);
        let (Some(on_date), Some(starts_at)) = (on_date, starts_at) else {
            return Err(invalid);
        };
        invalid.into_result(())?;
        Ok(AppointmentData {
            on_date,
            starts_at,
            ends_at,
            note,
        })
    }
}

/// The participation an appointment must fall within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Participation {
    pub entered_on: Date,
    pub exited_on: Option<Date>,
    /// The action's last day, when it has one.
    pub action_ends_on: Option<Date>,
}

impl Participation {
    /// Whether an appointment on `on` falls within the participation; the
    /// refusal names the `on_date` field and says why.
    pub fn check(&self, on: Date) -> Result<(), Invalid> {
        let fr = |d: Date| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year());
        if on < self.entered_on {
            return Err(Invalid::field(
                "on_date",
                format!(
                    "Le rendez-vous ne peut pas précéder l'entrée sur l'action (le {}).",
                    fr(self.entered_on)
                ),
            ));
        }
        if let Some(exit) = self.exited_on.filter(|exit| on > *exit) {
            return Err(Invalid::field(
                "on_date",
                format!(
                    "Le rendez-vous ne peut pas suivre la sortie de l'action (le {}).",
                    fr(exit)
                ),
            ));
        }
        if let Some(end) = self.action_ends_on.filter(|end| on > *end) {
            return Err(Invalid::field(
                "on_date",
                format!(
                    "L'action se termine le {} : choisissez une date avant.",
                    fr(end)
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, time};

    fn input(on: &str, start: &str, end: &str) -> AppointmentInput {
        AppointmentInput {
            on_date: on.into(),
            starts_at: start.into(),
            ends_at: end.into(),
            note: String::new(),
        }
    }

    #[test]
    fn a_complete_appointment_parses() {
        let data = AppointmentData::parse(&AppointmentInput {
            note: "  Point sur les démarches  ".into(),
            ..input("2026-03-10", "9h30", "10:15")
        })
        .unwrap();
        assert_eq!(data.on_date, date!(2026 - 03 - 10));
        assert_eq!(data.starts_at, time!(09:30));
        assert_eq!(data.ends_at, Some(time!(10:15)));
        assert_eq!(data.note.as_deref(), Some("Point sur les démarches"));
        assert_eq!(
            AppointmentData::parse(&input("10/03/2026", "14:00", ""))
                .unwrap()
                .ends_at,
            None
        );
    }

    #[test]
    fn each_wrong_field_is_named() {
        let fields = |i: AppointmentInput| -> Vec<String> {
            AppointmentData::parse(&i)
                .unwrap_err()
                .errors
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(fields(input("", "09:00", "")), ["on_date"]);
        assert_eq!(fields(input("demain", "09:00", "")), ["on_date"]);
        assert_eq!(fields(input("2026-02-30", "09:00", "")), ["on_date"]);
        assert_eq!(fields(input("2026-03-10", "", "")), ["starts_at"]);
        assert_eq!(fields(input("2026-03-10", "25:00", "")), ["starts_at"]);
        assert_eq!(fields(input("2026-03-10", "10:00", "09:00")), ["ends_at"]);
        assert_eq!(fields(input("2026-03-10", "10:00", "10:00")), ["ends_at"]);
        assert_eq!(
            fields(AppointmentInput {
                note: "x".repeat(NOTE_MAX + 1),
                ..input("2026-03-10", "10:00", "")
            }),
            ["note"]
        );
    }

    #[test]
    fn the_participation_bounds_the_date() {
        let p = Participation {
            entered_on: date!(2026 - 03 - 02),
            exited_on: Some(date!(2026 - 06 - 30)),
            action_ends_on: Some(date!(2026 - 12 - 31)),
        };
        assert!(p.check(date!(2026 - 03 - 02)).is_ok());
        assert!(p.check(date!(2026 - 06 - 30)).is_ok());
        let before = p.check(date!(2026 - 03 - 01)).unwrap_err();
        assert!(before
            .message_for("on_date")
            .unwrap()
            .contains("02/03/2026"));
        assert!(p.check(date!(2026 - 07 - 01)).is_err());
        let open = Participation {
            exited_on: None,
            action_ends_on: Some(date!(2026 - 04 - 30)),
            ..p
        };
        assert!(open.check(date!(2026 - 05 - 01)).is_err());
        assert!(open.check(date!(2026 - 04 - 30)).is_ok());
    }

    proptest! {
        /// Inside [entry, exit] is accepted, outside refused, on `on_date`.
        #[test]
        fn accepted_exactly_within_the_participation(entry in 0i64..400, length in 0i64..400, offset in -500i64..900) {
            let base = date!(2025 - 01 - 01);
            let p = Participation {
                entered_on: base + time::Duration::days(entry),
                exited_on: Some(base + time::Duration::days(entry + length)),
                action_ends_on: None,
            };
            let on = base + time::Duration::days(offset);
            let inside = offset >= entry && offset <= entry + length;
            match p.check(on) {
                Ok(()) => prop_assert!(inside),
                Err(e) => {
                    prop_assert!(!inside);
                    prop_assert!(e.message_for("on_date").is_some());
                }
            }
        }
    }
}
