//! The follow-up log (journal de suivi): what the référent writes down about
//! a person between decisions — an interview, a phone call, a note, a
//! document received — each dated, signed and never changed afterwards.
//! An entry marked sensitive (health, family, anything the person confided)
//! is read only by those who read the diagnostic's sensitive part.

use crate::pathway_dates::past_date;
use crate::person::codes;
use crate::validation::{free_text, Invalid};
use time::Date;

/// Longest text of one entry: a long interview's notes, not a document.
pub const TEXT_MAX: usize = 5000;

codes!(
    /// What kind of contact or event an entry records.
    LogKind {
        Interview = "entretien", "Entretien";
        PhoneCall = "appel", "Appel téléphonique";
        Note = "note", "Note";
        DocumentReceived = "document", "Document reçu";
    }
);

/// An entry as typed in the form or sent to the API.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct LogEntryInput {
    /// entretien, appel, note, document.
    #[serde(default)]
    pub kind: String,
    /// The day it happened (AAAA-MM-JJ or JJ/MM/AAAA); today when empty, never in the future.
    #[serde(default)]
    pub occurred_on: String,
    #[serde(default)]
    pub text: String,
    /// Readable only by the person's référent and their cadre.
    #[serde(default)]
    pub sensitive: bool,
}

/// A valid entry (a value that exists is well formed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntryData {
    pub kind: LogKind,
    pub occurred_on: Date,
    pub text: String,
    pub sensitive: bool,
}

impl LogEntryData {
    /// Every error at once, each naming its field.
    pub fn parse(input: &LogEntryInput, today: Date) -> Result<LogEntryData, Invalid> {
        let mut invalid = Invalid::new();
        let kind = LogKind::from_code(input.kind.trim());
        if kind.is_none() {
            invalid.add(
                "kind",
                "Choisissez le type d'entrée : entretien, appel téléphonique, note ou document reçu.",
            );
        }
        let occurred_on = past_date("occurred_on", "Date", &input.occurred_on, today)
            .map_err(|err| invalid.merge(err))
            .ok();
        let text = free_text(&mut invalid, "text", "Texte", &input.text, TEXT_MAX);
        if text.is_empty() {
            invalid.add("text", "Le champ « Texte » est obligatoire.");
        }
        let (Some(kind), Some(occurred_on)) = (kind, occurred_on) else {
            return Err(invalid);
        };
        invalid.into_result(LogEntryData {
            kind,
            occurred_on,
            text,
            sensitive: input.sensitive,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 06);

    fn input(kind: &str, on: &str, text: &str) -> LogEntryInput {
        LogEntryInput {
            kind: kind.into(),
            occurred_on: on.into(),
            text: text.into(),
            sensitive: false,
        }
    }

    #[test]
    fn an_entry_without_a_date_happened_today() {
        let entry =
            LogEntryData::parse(&input("appel", "", "  A rappelé pour son RDV. "), TODAY).unwrap();
        assert_eq!(entry.kind, LogKind::PhoneCall);
        assert_eq!(entry.occurred_on, TODAY);
        assert_eq!(entry.text, "A rappelé pour son RDV.");
    }

    #[test]
    fn a_paper_entry_keeps_its_earlier_day() {
        let entry = LogEntryData::parse(&input("entretien", "02/11/2026", "Vu."), TODAY).unwrap();
        assert_eq!(entry.occurred_on, date!(2026 - 11 - 02));
    }

    #[test]
    fn every_error_is_said_at_once_naming_its_field() {
        let err = LogEntryData::parse(&input("visite", "07/12/2026", "   "), TODAY).unwrap_err();
        assert!(err.message_for("kind").unwrap().contains("type d'entrée"));
        assert!(err.message_for("occurred_on").unwrap().contains("futur"));
        assert!(err.message_for("text").unwrap().contains("obligatoire"));
    }

    #[test]
    fn a_text_too_long_or_with_control_characters_is_refused() {
        let long = "a".repeat(TEXT_MAX + 1);
        let err = LogEntryData::parse(&input("note", "", &long), TODAY).unwrap_err();
        assert!(err.message_for("text").unwrap().contains("5000"));
        let err = LogEntryData::parse(&input("note", "", "a\u{0}b"), TODAY).unwrap_err();
        assert!(err.message_for("text").is_some());
        let lines = LogEntryData::parse(&input("note", "", "ligne 1\nligne 2"), TODAY).unwrap();
        assert_eq!(lines.text, "ligne 1\nligne 2");
    }

    #[test]
    fn kinds_are_exchanged_by_their_code() {
        for kind in LogKind::ALL {
            assert_eq!(LogKind::from_code(kind.code()), Some(*kind));
        }
        assert_eq!(LogKind::DocumentReceived.label(), "Document reçu");
    }
}
